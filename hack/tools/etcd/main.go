// Command etcd is etcd's server built from the pinned go.etcd.io/etcd/server/v3
// module (see go.mod); it mirrors the main package of etcd's repository at that
// release. hack/local-cluster.sh puts it into the etcd image deploy/etcd names,
// so the version here must equal the tag there.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
