package dev.codebox.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.docker.DockerExecutorConfig;
import dev.codebox.docker.GpuRequest;
import dev.codebox.docker.VolumeMount;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import dev.codebox.internal.ByteSize;

/** Configuration values and their parsing; needs no engine. */
class DockerConfigTest {

    @Test
    void defaults() {
        DockerExecutorConfig config = DockerExecutorConfig.defaults();
        assertEquals("python:3-slim", config.image());
        assertEquals(Duration.ofSeconds(60), config.timeout());
        assertEquals("none", config.network());
        assertEquals(1L << 30, config.memoryBytes());
        assertEquals(1.0, config.cpus());
        assertEquals(256, config.pidsLimit());
        assertTrue(config.noNewPrivileges() && config.dropCapabilities() && config.autoRemove() && config.stopContainerOnExit());
        assertFalse(config.readOnlyRootFs() || config.deleteCodeFiles());
        assertTrue(config.user().isEmpty() && config.containerName().isEmpty() && config.workDir().isEmpty());
        assertEquals(config, config.toBuilder().build());
    }

    @Test
    void toBuilderKeepsEveryValue() {
        DockerExecutorConfig config = DockerExecutorConfig.builder().image("img:1").containerName("box")
                .workDir(Path.of("/w")).bindDir(Path.of("/b")).autoRemove(false).stopContainerOnExit(false)
                .extraVolume(VolumeMount.readOnly(Path.of("/d"), "/data")).extraHost("h", "1.2.3.4")
                .gpus(GpuRequest.count(1)).initCommand("true").deleteCodeFiles(true).network("bridge")
                .memory("512m").cpus(2).pidsLimit(0).noNewPrivileges(false).dropCapabilities(false)
                .readOnlyRootFs(true).user("1000").environment("A", "1").maxOutputBytes(4096)
                .startTimeout(Duration.ofSeconds(5)).build();
        assertEquals(config, config.toBuilder().build());
    }

    @Test
    void invalidValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> DockerExecutorConfig.builder().image(" ").build());
        assertThrows(IllegalArgumentException.class, () -> DockerExecutorConfig.builder().containerName("bad name").build());
        assertThrows(IllegalArgumentException.class, () -> DockerExecutorConfig.builder().memoryBytes(1024).build());
        assertThrows(IllegalArgumentException.class, () -> DockerExecutorConfig.builder().cpus(-1).build());
        assertThrows(IllegalArgumentException.class, () -> DockerExecutorConfig.builder().pidsLimit(-1).build());
        assertThrows(IllegalArgumentException.class, () -> DockerExecutorConfig.builder().timeout(Duration.ofMillis(10)).build());
        assertThrows(IllegalArgumentException.class, () -> DockerExecutorConfig.builder().extraHost("a:b", "1.2.3.4").build());
        assertThrows(IllegalArgumentException.class, () -> VolumeMount.readWrite(Path.of("/x"), "/workspace"));
        assertThrows(IllegalArgumentException.class, () -> VolumeMount.readWrite(Path.of("/x"), "relative"));
    }

    @Test
    void sizes() {
        assertEquals(512L << 20, ByteSize.parse("512m"));
        assertEquals(1L << 30, ByteSize.parse("1g"));
        assertEquals(1L << 30, ByteSize.parse("1GiB"));
        assertEquals(3L << 29, ByteSize.parse("1.5g"));
        assertEquals(65536, ByteSize.parse("65536"));
        assertEquals(100, ByteSize.parse("100b"));
        assertEquals(64L << 10, ByteSize.parse("64k"));
        for (String bad : List.of("", "m", "12x", "-1g", "0", "lots")) {
            assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(bad), bad);
        }
        assertEquals("512 MiB", ByteSize.format(512L << 20));
        assertEquals("1 GiB", ByteSize.format(1L << 30));
        assertEquals("1000 B", ByteSize.format(1000));
    }

    @Test
    void volumes() {
        assertEquals(new VolumeMount(Path.of("/a"), "/b", true), VolumeMount.parse("/a:/b:ro"));
        assertEquals(new VolumeMount(Path.of("/a"), "/b", false), VolumeMount.parse("/a:/b"));
        assertEquals(new VolumeMount(Path.of("/a"), "/b", false), VolumeMount.parse("/a:/b:rw"));
        for (String bad : List.of("/a", "/a:/b:rx", ":/b", "/a:", "/a:/b:ro:x")) {
            assertThrows(IllegalArgumentException.class, () -> VolumeMount.parse(bad), bad);
        }
    }

    @Test
    void gpus() {
        assertEquals(GpuRequest.ALL, GpuRequest.parse("all").count());
        assertEquals(List.of("gpu"), GpuRequest.parse("all").capabilities());
        assertEquals(2, GpuRequest.parse("2").count());
        assertThrows(IllegalArgumentException.class, () -> GpuRequest.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> GpuRequest.parse("some"));
        assertThrows(IllegalArgumentException.class, () -> new GpuRequest(1, List.of()));
    }

    @Test
    void imageNames() {
        assertEquals("python", ImagePuller.repository("python:3-slim"));
        assertEquals("3-slim", ImagePuller.tag("python:3-slim"));
        assertEquals("registry:5000/team/img", ImagePuller.repository("registry:5000/team/img"));
        assertEquals("latest", ImagePuller.tag("registry:5000/team/img"));
        assertEquals("img@sha256:abc", ImagePuller.repository("img@sha256:abc"));
        assertNull(ImagePuller.tag("img@sha256:abc"));
    }

    @Test
    void onlyTheBuilderMakesOneAndToStringHidesEnvironmentValues() {
        assertEquals(0, DockerExecutorConfig.class.getConstructors().length);
        DockerExecutorConfig config = DockerExecutorConfig.builder().environment("API_TOKEN", "t0ps3cret").build();
        assertEquals(config, config.toBuilder().build());
        assertTrue(config.toString().contains("API_TOKEN"), config.toString());
        assertFalse(config.toString().contains("t0ps3cret"), config.toString());
        assertFalse(config.toString().contains("createContainerModifier"), "no modifier, nothing shown");
    }
}
