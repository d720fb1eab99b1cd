{{/*
Object names are fixed, as in deploy/: the operator's Lease (crawler-operator) and its
ClusterRole are cluster-wide singletons, so one release per cluster (or per namespace with
rbac.scope=namespace).
*/}}
{{- define "crawler-operator.labels" -}}
app.kubernetes.io/name: crawler-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "crawler-operator.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end }}

{{/* The namespaces that get a Role with rbac.scope=namespace. */}}
{{- define "crawler-operator.roleNamespaces" -}}
{{- if .Values.watchNamespaces }}{{ join "," .Values.watchNamespaces }}{{ else }}{{ .Release.Namespace }}{{ end -}}
{{- end }}
