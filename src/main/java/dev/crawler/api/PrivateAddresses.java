package dev.crawler.api;

import java.net.InetAddress;

/**
 * The addresses a crawl may not reach unless an install allows it: loopback, private, link-local
 * (cloud metadata services at 169.254.169.254), unique-local, CGNAT, multicast, unspecified and
 * "this network". The master applies it to the address literal a resource URL names; a worker
 * applies it to every address a name resolves to, just before it connects.
 */
public final class PrivateAddresses {
  private PrivateAddresses() {}

  public static boolean isPrivate(InetAddress a) {
    byte[] b = a.getAddress();
    boolean uniqueLocal = b.length == 16 && (b[0] & 0xfe) == 0xfc;
    boolean sharedCgnat = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
    boolean thisNetwork = b.length == 4 && b[0] == 0;
    return a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
        || a.isMulticastAddress() || uniqueLocal || sharedCgnat || thisNetwork;
  }
}
