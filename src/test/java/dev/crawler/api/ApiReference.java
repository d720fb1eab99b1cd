package dev.crawler.api;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * docs/api-reference.md, generated from the committed CRD (crds/), so the reference says what the
 * API server enforces: every field with a description, its type, default, limits and whether it is
 * required. Fields of Kubernetes' own types (resources, affinity, tolerations, ...) are listed with
 * their type and not expanded: {@code kubectl explain} shows those. {@code make api-docs} writes it;
 * {@link ApiReferenceTest} fails when the committed one differs.
 */
final class ApiReference {
  static final String CRD = "crds/crawlermasters.crawler.dev-v1.yml";
  static final String DOC = "docs/api-reference.md";

  private ApiReference() {}

  static String render(CustomResourceDefinition crd) {
    StringBuilder out = new StringBuilder();
    String kind = crd.getSpec().getNames().getKind();
    out.append("# ").append(kind).append(" API reference\n\n")
        .append("Generated from `").append(CRD).append("` by `make api-docs`; do not edit (a test fails when it\n")
        .append("differs). `kubectl explain ").append(crd.getSpec().getNames().getPlural())
        .append(".spec --recursive` shows the same on a cluster.\n");
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
      out.append("\n## ").append(crd.getSpec().getGroup()).append('/').append(version.getName()).append(' ')
          .append(kind).append("\n\n");
      if (root.getDescription() != null) {
        out.append(oneLine(root.getDescription())).append("\n");
      }
      out.append("\nShort names: `").append(String.join("`, `", crd.getSpec().getNames().getShortNames()))
          .append("`. Scope: ").append(crd.getSpec().getScope()).append(".\n");
      for (String section : List.of("spec", "status")) {
        JSONSchemaProps props = root.getProperties().get(section);
        if (props == null) {
          continue;
        }
        out.append("\n### `").append(section).append("`\n\n");
        if (props.getDescription() != null) {
          out.append(oneLine(props.getDescription())).append("\n\n");
        }
        out.append("| Field | Type | Default | Constraints | Description |\n|---|---|---|---|---|\n");
        List<String> rows = new ArrayList<>();
        fields(section, props, rows);
        rows.forEach(r -> out.append(r).append('\n'));
      }
    }
    return out.toString();
  }

  /** One row per described field below {@code path}, depth first, in the schema's order. */
  private static void fields(String path, JSONSchemaProps parent, List<String> rows) {
    JSONSchemaProps object = element(parent);
    String prefix = object == parent ? path : path + "[]";
    if (object.getProperties() == null) {
      return;
    }
    List<String> required = object.getRequired() == null ? List.of() : object.getRequired();
    for (Map.Entry<String, JSONSchemaProps> e : object.getProperties().entrySet()) {
      JSONSchemaProps field = e.getValue();
      if (field.getDescription() == null) {
        continue;
      }
      String name = prefix + "." + e.getKey();
      rows.add("| `" + name + "` | " + type(field) + " | " + defaultValue(field) + " | "
          + constraints(field, required.contains(e.getKey())) + " | " + cell(field.getDescription()) + " |");
      if (ownType(field)) {
        fields(name, field, rows);
      }
    }
  }

  /** The project's own types describe their fields; Kubernetes' types (from fabric8) do not. */
  private static boolean ownType(JSONSchemaProps field) {
    JSONSchemaProps object = element(field);
    return object.getProperties() != null
        && object.getProperties().values().stream().anyMatch(p -> p.getDescription() != null);
  }

  /** An array's item schema; any other schema itself. */
  private static JSONSchemaProps element(JSONSchemaProps field) {
    return "array".equals(field.getType()) && field.getItems() != null && field.getItems().getSchema() != null
        ? field.getItems().getSchema() : field;
  }

  private static String type(JSONSchemaProps field) {
    if (Boolean.TRUE.equals(field.getXKubernetesIntOrString())) {
      return "integer or string";
    }
    if (element(field) != field) {
      return "array of " + type(element(field));
    }
    if ("object".equals(field.getType()) && (field.getProperties() == null || field.getProperties().isEmpty()) && field.getAdditionalProperties() != null
        && field.getAdditionalProperties().getSchema() != null) {
      return "map of " + type(field.getAdditionalProperties().getSchema());
    }
    String type = field.getType() == null ? "any" : field.getType();
    return field.getFormat() == null ? type : type + " (" + field.getFormat() + ")";
  }

  private static String defaultValue(JSONSchemaProps field) {
    return field.getDefault() == null ? "" : "`" + cell(field.getDefault().toString()) + "`";
  }

  private static String constraints(JSONSchemaProps field, boolean required) {
    List<String> c = new ArrayList<>();
    if (required) {
      c.add("required");
    }
    if (field.getEnum() != null && !field.getEnum().isEmpty()) {
      c.add("one of " + field.getEnum().stream().map(v -> "`" + v.asText() + "`").collect(Collectors.joining(", ")));
    }
    if (field.getMinimum() != null) {
      c.add("≥ " + number(field.getMinimum()));
    }
    if (field.getMaximum() != null) {
      c.add("≤ " + number(field.getMaximum()));
    }
    if (field.getMinLength() != null) {
      c.add("length ≥ " + field.getMinLength());
    }
    if (field.getMaxLength() != null) {
      c.add("length ≤ " + field.getMaxLength());
    }
    if (field.getMinItems() != null) {
      c.add("items ≥ " + field.getMinItems());
    }
    if (field.getMaxItems() != null) {
      c.add("items ≤ " + field.getMaxItems());
    }
    if (field.getPattern() != null) {
      c.add("pattern `" + cell(field.getPattern()) + "`");
    }
    if (field.getXKubernetesValidations() != null && !field.getXKubernetesValidations().isEmpty()) {
      field.getXKubernetesValidations().forEach(v -> c.add(cell(v.getMessage() != null ? v.getMessage() : v.getRule())));
    }
    return String.join("; ", c);
  }

  private static String number(Double d) {
    return d == Math.rint(d) ? Long.toString(d.longValue()) : d.toString();
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\s*\\n\\s*", " ").trim();
  }

  private static String cell(String text) {
    return oneLine(text).replace("|", "\\|");
  }

  static CustomResourceDefinition committedCrd(Path root) throws IOException {
    return new KubernetesSerialization().unmarshal(Files.readString(root.resolve(CRD)), CustomResourceDefinition.class);
  }

  /** {@code make api-docs}: writes docs/api-reference.md under the project directory given as the argument. */
  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    Files.writeString(root.resolve(DOC), render(committedCrd(root)));
    System.out.println(DOC + " written from " + CRD);
  }
}
