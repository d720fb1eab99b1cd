package dev.crawler.api;

/** What a Secret's name may be: a DNS-1123 subdomain. */
final class SecretNames {
  private SecretNames() {}

  static final String PATTERN = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";
}
