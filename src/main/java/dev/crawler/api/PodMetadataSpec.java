package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** Labels and annotations added to the master pods (e.g. for a service mesh or a cost report). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodMetadataSpec {
  @JsonPropertyDescription("Labels added to each master pod. The operator's own labels (app.kubernetes.io/*,"
      + " crawler.dev/*) always win and cannot be removed.")
  private Map<String, String> labels;

  @JsonPropertyDescription("Annotations added to each master pod. The operator's own annotations (prometheus.io/*,"
      + " crawler.dev/*) always win.")
  private Map<String, String> annotations;

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }
}
