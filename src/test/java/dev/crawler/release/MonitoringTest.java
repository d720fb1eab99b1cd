package dev.crawler.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.WorkersSpec;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.operator.etcd.EtcdSecrets;
import dev.crawler.operator.resources.MasterResources;
import dev.crawler.operator.resources.WorkerResources;
import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingHelm;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingPromtool;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/monitoring/: the alert rules pass promtool's checks and unit tests (each alert fires in
 * one), the PrometheusRule carries exactly the rule file, every runbook link names a section of
 * docs/troubleshooting.md, and the PodMonitors select the pods the operator builds on ports they have.
 */
class MonitoringTest {
  private static final Path ROOT = TestingKubeApiServer.projectDir();
  private static final Path MONITORING = ROOT.resolve("deploy/monitoring");
  private static final Path RULES = MONITORING.resolve("rules");
  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yamlMap(Path file) throws IOException {
    return YAML.unmarshal(Files.readString(file), Map.class);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> alerts() throws IOException {
    return ((List<Map<String, Object>>) yamlMap(RULES.resolve("crawler.rules.yaml")).get("groups")).stream()
        .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream())
        .filter(r -> r.containsKey("alert"))
        .toList();
  }

  @Test
  void promtoolAcceptsTheRuleFile() {
    TestingHelm.Result check = TestingPromtool.promtool(RULES, "check", "rules", "crawler.rules.yaml");
    assertThat(check.exitCode()).as(check.toString()).isZero();
    assertThat(check.stdout()).contains("SUCCESS");
  }

  @Test
  void everyAlertFiresInThePromtoolUnitTests() throws IOException {
    TestingHelm.Result test = TestingPromtool.promtool(RULES, "test", "rules", "crawler.rules.test.yaml");
    assertThat(test.exitCode()).as(test.toString()).isZero();

    // An alert only counts as tested when some eval expects it to fire.
    String tests = Files.readString(RULES.resolve("crawler.rules.test.yaml"));
    Matcher firing = Pattern.compile("alertname: (\\w+)\\n\\s+exp_alerts:\\n\\s+- exp_labels").matcher(tests);
    Set<String> fired = new LinkedHashSet<>();
    while (firing.find()) {
      fired.add(firing.group(1));
    }
    assertThat(fired).containsExactlyInAnyOrderElementsOf(alerts().stream().map(a -> (String) a.get("alert")).toList());
  }

  @Test
  void theUnitTestsFailWhenAnAlertStopsFiringInTime(@TempDir Path dir) throws IOException {
    // The rule file with CrawlerMasterNoLeader waiting 5 minutes instead of 30 s.
    String rules = Files.readString(RULES.resolve("crawler.rules.yaml"));
    String slower = rules.replaceFirst("(alert: CrawlerMasterNoLeader\\n(?:.*\\n)*?\\s+for: )30s", "$15m");
    assertThat(slower).isNotEqualTo(rules);
    Files.writeString(dir.resolve("crawler.rules.yaml"), slower);
    Files.copy(RULES.resolve("crawler.rules.test.yaml"), dir.resolve("crawler.rules.test.yaml"));

    TestingHelm.Result test = TestingPromtool.promtool(dir, "test", "rules", "crawler.rules.test.yaml");
    assertThat(test.exitCode()).isNotZero();
    assertThat(test.stdout() + test.stderr()).contains("CrawlerMasterNoLeader");
  }

  @Test
  void thePrometheusRuleCarriesExactlyTheRuleFile() throws IOException {
    GenericKubernetesResource rule = YAML.unmarshal(Files.readString(MONITORING.resolve("prometheusrule.yaml")),
        GenericKubernetesResource.class);
    assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.getKind()).isEqualTo("PrometheusRule");
    assertThat(rule.getAdditionalProperties().get("spec"))
        .as("deploy/monitoring/prometheusrule.yaml differs from rules/crawler.rules.yaml: run make monitoring-rules")
        .isEqualTo(yamlMap(RULES.resolve("crawler.rules.yaml")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertHasASummaryASeverityAndARunbookSectionInTroubleshooting() throws IOException {
    String troubleshooting = Files.readString(ROOT.resolve("docs/troubleshooting.md"));
    Set<String> anchors = new LinkedHashSet<>();
    Matcher heading = Pattern.compile("(?m)^#{2,4} (.+)$").matcher(troubleshooting);
    while (heading.find()) {
      // GitHub's anchors: lower case, punctuation but - and _ dropped, spaces to -.
      anchors.add(heading.group(1).trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
    }
    for (Map<String, Object> alert : alerts()) {
      String name = (String) alert.get("alert");
      Map<String, String> annotations = (Map<String, String>) alert.get("annotations");
      assertThat(annotations).as(name).containsKeys("summary", "description", "runbook_url");
      assertThat(((Map<String, String>) alert.get("labels")).get("severity")).as(name).isIn("warning", "critical");
      String runbook = annotations.get("runbook_url");
      assertThat(runbook).as(name).isEqualTo("docs/troubleshooting.md#" + name.toLowerCase(Locale.ROOT));
      assertThat(anchors).as("docs/troubleshooting.md has a section for %s", name)
          .contains(runbook.substring(runbook.indexOf('#') + 1));
    }
  }

  /** Every PromQL query of the Grafana dashboard, in panel order. */
  private static List<String> dashboardQueries() throws IOException {
    com.fasterxml.jackson.databind.JsonNode dashboard = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(Files.readString(MONITORING.resolve("dashboards/crawlermaster.json")));
    List<String> queries = new java.util.ArrayList<>();
    Set<Integer> ids = new LinkedHashSet<>();
    for (com.fasterxml.jackson.databind.JsonNode panel : dashboard.get("panels")) {
      assertThat(ids.add(panel.get("id").asInt())).as("panel ids are unique").isTrue();
      assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
      panel.get("targets").forEach(t -> queries.add(t.get("expr").asText()));
    }
    return queries;
  }

  @Test
  void theDashboardIsValidJsonWhoseQueriesParseAndNameDocumentedSeries(@TempDir Path dir) throws IOException {
    List<String> queries = dashboardQueries();
    assertThat(queries).hasSizeGreaterThan(10);
    String metricsDoc = Files.readString(ROOT.resolve("docs/metrics.md"));
    Matcher series = Pattern.compile("\\b(crawler_[a-z_]+?)(?:_bucket)?\\b").matcher(String.join("\n", queries));
    Set<String> names = new LinkedHashSet<>();
    while (series.find()) {
      names.add(series.group(1));
    }
    assertThat(names).contains("crawler_leader_info", "crawler_master_requests_total", "crawler_master_lease_revocations_total");
    for (String name : names) {
      assertThat(Pattern.compile("`" + name + "[`{]").matcher(metricsDoc).find())
          .as("docs/metrics.md documents %s, which the dashboard queries", name).isTrue();
    }
    // promtool parses each query as a recording rule, Grafana's variables replaced by what they stand for.
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (int i = 0; i < queries.size(); i++) {
      String q = queries.get(i).replace("$__rate_interval", "5m").replace("$namespace", ".*").replace("$cluster", ".*");
      rules.append("      - record: dashboard:query_").append(i).append("\n        expr: '")
          .append(q.replace("'", "''")).append("'\n");
    }
    Files.writeString(dir.resolve("dashboard.rules.yaml"), rules);
    TestingHelm.Result check = TestingPromtool.promtool(dir, "check", "rules", "dashboard.rules.yaml");
    assertThat(check.exitCode()).as(check.toString()).isZero();
  }

  private static GenericKubernetesResource podMonitor(String file) throws IOException {
    return YAML.unmarshal(Files.readString(MONITORING.resolve(file)), GenericKubernetesResource.class);
  }

  @SuppressWarnings("unchecked")
  private static boolean selects(GenericKubernetesResource podMonitor, Map<String, String> podLabels) {
    Map<String, Object> spec = (Map<String, Object>) podMonitor.getAdditionalProperties().get("spec");
    LabelSelector selector = YAML.convertValue(spec.get("selector"), LabelSelector.class);
    boolean labels = selector.getMatchLabels() == null || selector.getMatchLabels().entrySet().stream()
        .allMatch(e -> e.getValue().equals(podLabels.get(e.getKey())));
    boolean expressions = selector.getMatchExpressions() == null || selector.getMatchExpressions().stream()
        .allMatch((LabelSelectorRequirement r) -> switch (r.getOperator()) {
          case "In" -> r.getValues().contains(podLabels.get(r.getKey()));
          case "Exists" -> podLabels.containsKey(r.getKey());
          default -> throw new IllegalArgumentException("operator " + r.getOperator());
        });
    return labels && expressions;
  }

  @SuppressWarnings("unchecked")
  private static List<String> endpointPorts(GenericKubernetesResource podMonitor) {
    Map<String, Object> spec = (Map<String, Object>) podMonitor.getAdditionalProperties().get("spec");
    return ((List<Map<String, Object>>) spec.get("podMetricsEndpoints")).stream().map(e -> (String) e.get("port")).toList();
  }

  private static List<String> portNames(PodTemplateSpec pod) {
    return pod.getSpec().getContainers().stream().map(Container::getPorts).flatMap(List::stream)
        .map(ContainerPort::getName).toList();
  }

  @Test
  void thePodMonitorsSelectTheOperatorMastersAndWorkersOnPortsTheyHave() throws IOException {
    CrawlerMaster cm = TestingCrawlerMasters.stored(TestingCrawlerMasters.crawlerMaster("ns", "demo", "http://etcd:2379"),
        "uid-1", "2026-12-08T00:00:00Z");
    cm.getSpec().setWorkers(new WorkersSpec());
    OperatorSettings settings = new OperatorSettings("crawler-master:test", Set.of());
    EtcdSecrets.Usable access = new EtcdSecrets.Usable(EtcdCredentials.NONE, false);
    PodTemplateSpec master = MasterResources.statefulSet(cm, settings, access).getSpec().getTemplate();
    PodTemplateSpec worker = WorkerResources.deployment(cm, settings, access).getSpec().getTemplate();
    Object parsed = YAML.unmarshal(Files.readString(ROOT.resolve("deploy/operator.yaml")));
    Deployment operator = (parsed instanceof List<?> list ? list.stream() : java.util.stream.Stream.of(parsed))
        .filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();

    GenericKubernetesResource masters = podMonitor("podmonitor-masters.yaml");
    for (PodTemplateSpec pod : List.of(master, worker)) {
      assertThat(selects(masters, pod.getMetadata().getLabels())).as("%s", pod.getMetadata().getLabels()).isTrue();
      assertThat(portNames(pod)).containsAll(endpointPorts(masters));
    }
    GenericKubernetesResource op = podMonitor("podmonitor-operator.yaml");
    assertThat(selects(op, operator.getSpec().getTemplate().getMetadata().getLabels())).isTrue();
    assertThat(selects(op, master.getMetadata().getLabels())).isFalse();
    assertThat(selects(masters, operator.getSpec().getTemplate().getMetadata().getLabels())).isFalse();
    assertThat(portNames(operator.getSpec().getTemplate())).containsAll(endpointPorts(op));
    assertThat(Files.readString(MONITORING.resolve("podmonitor-operator.yaml"))).contains("honorLabels: true");
  }
}
