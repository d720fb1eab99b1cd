package dev.crawler.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcessFootprintTest {
  @Test
  void serialHeapIsNewPlusTenuredGenerationWithoutItsSpacesOrMetaspace() {
    String info = """
        25670:
         def new generation   total 116160K, used 17480K [0x0000000687400000, 0x000000068f200000, 0x0000000704d50000)
          eden space 103296K,  16% used [0x0000000687400000, 0x0000000688512048, 0x000000068d8e0000)
          from space 12864K,   0% used [0x000000068d8e0000, 0x000000068d8e0000, 0x000000068e570000)
         tenured generation   total 258048K, used 2048K [0x0000000704d50000, 0x0000000714950000, 0x0000000800000000)
           the space 258048K,   0% used [0x0000000704d50000, 0x0000000704d50000, 0x0000000704d50200, 0x0000000714950000)
         Metaspace       used 128K, committed 320K, reserved 1114112K
          class space    used 4K, committed 128K, reserved 1048576K
        """;
    assertThat(ProcessFootprint.heapUsedMiB(info)).isEqualTo((17480 + 2048) / 1024.0);
  }

  @Test
  void g1HeapIsTheGarbageFirstHeapLine() {
    String info = """
        25707:
         garbage-first heap   total 397312K, used 16635K [0x0000000687400000, 0x0000000800000000)
          region size 4096K, 4 young (16384K), 0 survivors (0K)
         Metaspace       used 74K, committed 320K, reserved 1114112K
        """;
    assertThat(ProcessFootprint.heapUsedMiB(info)).isEqualTo(16635 / 1024.0);
  }

  @Test
  void anAnswerWithoutAHeapLineIsAnError() {
    assertThatThrownBy(() -> ProcessFootprint.heapUsedMiB("25707:\nAttachNotSupportedException"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cpuAndMemoryOfThisProcessAreRead() throws Exception {
    long self = ProcessHandle.current().pid();
    assertThat(ProcessFootprint.rssMiB(self)).isPositive();
    assertThat(ProcessFootprint.threads(self)).isPositive();
    assertThat(ProcessFootprint.cpuSeconds(self)).isPositive();
  }

  @Test
  void thePeakResidentMemoryIsAtLeastTheResidentMemoryReadBeforeIt() throws Exception {
    long self = ProcessHandle.current().pid();
    double rss = ProcessFootprint.rssMiB(self);
    assertThat(ProcessFootprint.peakRssMiB(self)).isGreaterThanOrEqualTo(rss);
  }
}
