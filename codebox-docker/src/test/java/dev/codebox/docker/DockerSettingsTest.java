package dev.codebox.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ulimit;
import dev.codebox.CodeBlock;
import dev.codebox.CodeResult;
import dev.codebox.docker.internal.DockerEngine;
import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.PythonFunction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The container's settings: hardening, limits, network, mounts, hosts, init command, user. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DockerSettingsTest {

    private final List<DockerCommandLineExecutor> executors = new ArrayList<>();

    @AfterEach
    void stop() {
        executors.forEach(DockerCommandLineExecutor::stop);
    }

    private DockerCommandLineExecutor started(DockerExecutorConfig config) {
        DockerCommandLineExecutor executor = new DockerCommandLineExecutor(config);
        executors.add(executor);
        executor.start();
        return executor;
    }

    private static InspectContainerResponse inspect(DockerCommandLineExecutor executor) {
        return TestEngine.client().inspectContainerCmd(executor.containerId()).exec();
    }

    private static CodeResult python(DockerCommandLineExecutor executor, String code) {
        return executor.execute(CodeBlock.python(code));
    }

    @Test
    void defaultsAreHardened() throws Exception {
        DockerCommandLineExecutor executor = started(TestEngine.config().build());
        InspectContainerResponse container = inspect(executor);
        HostConfig host = container.getHostConfig();
        assertEquals("none", host.getNetworkMode());
        assertEquals(1L << 30, host.getMemory());
        assertEquals(1L << 30, host.getMemorySwap());
        assertEquals(1_000_000_000L, host.getNanoCPUs());
        assertEquals(256L, host.getPidsLimit());
        assertEquals(List.of(Capability.ALL), Arrays.asList(host.getCapDrop()));
        assertEquals(List.of("no-new-privileges"), host.getSecurityOpts());
        assertFalse(host.getReadonlyRootfs());
        assertTrue(host.getInit());
        Path workDir = executor.workDir();
        assertEquals(Files.getAttribute(workDir, "unix:uid") + ":" + Files.getAttribute(workDir, "unix:gid"),
                container.getConfig().getUser());
        assertEquals("/workspace", container.getConfig().getWorkingDir());
        assertEquals("true", container.getConfig().getLabels().get(DockerEngine.LABEL_CODEBOX));
        assertEquals("docker", container.getConfig().getLabels().get(DockerEngine.LABEL_KIND));
        assertEquals(Long.toString(ProcessHandle.current().pid()), container.getConfig().getLabels().get(DockerEngine.LABEL_OWNER_PID));
        if (executor.workDirMode() == WorkDirMode.BIND) {
            Bind workspace = Arrays.stream(host.getBinds()).filter(b -> b.getVolume().getPath().equals("/workspace")).findFirst().orElseThrow();
            assertEquals(workDir.toString(), workspace.getPath());
        } else {
            assertTrue(host.getBinds() == null || host.getBinds().length == 0, "a COPY work dir mounts nothing of the host");
            assertTrue(host.getTmpFs().get("/workspace").contains("size=" + DockerExecutorConfig.DEFAULT_COPY_WORK_DIR_BYTES),
                    host.getTmpFs().toString());
            assertEquals("none", host.getLogConfig().getType().getType(), "the attach stream's frames are not logged");
        }

        CodeResult result = python(executor, "import os\n"
                + "print(sorted(os.listdir('/sys/class/net')))\n"
                + "print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])\n"
                + "print(open('/proc/self/status').read().split('NoNewPrivs:')[1].split()[0])\n"
                + "print(os.getcwd())");
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("['lo']\n0000000000000000\n1\n/workspace\n", result.output());
    }

    @Test
    void networkCanBeOptedIn() {
        DockerCommandLineExecutor executor = started(TestEngine.config().network("bridge").build());
        assertEquals("bridge", inspect(executor).getHostConfig().getNetworkMode());
        CodeResult result = python(executor, "import os\nprint('eth0' in os.listdir('/sys/class/net'))");
        assertEquals("True\n", result.output());
    }

    @Test
    void limitsAreSetAndEnforced() {
        DockerCommandLineExecutor executor = started(TestEngine.config()
                .memory("128m").cpus(0.5).pidsLimit(40).timeout(Duration.ofSeconds(30)).build());
        HostConfig host = inspect(executor).getHostConfig();
        assertEquals(128L << 20, host.getMemory());
        assertEquals(500_000_000L, host.getNanoCPUs());
        assertEquals(40L, host.getPidsLimit());

        CodeResult hog = python(executor, "print('allocating', flush=True)\nblocks = []\n"
                + "while True:\n    blocks.append(bytearray(16 << 20))");
        assertEquals(137, hog.exitCode(), hog.output());
        assertTrue(hog.output().startsWith("allocating\n"), hog.output());
        assertTrue(hog.output().contains("memory limit exceeded") && hog.output().contains("128 MiB"), hog.output());

        CodeResult forks = python(executor, "import subprocess\nstarted = []\ntry:\n"
                + "    for i in range(100):\n        started.append(subprocess.Popen(['sleep', '30']))\n"
                + "except OSError as e:\n    print('refused after', len(started), type(e).__name__)\n"
                + "for p in started:\n    p.kill()");
        assertEquals(0, forks.exitCode(), forks.output());
        assertTrue(forks.output().startsWith("refused after"), forks.output());

        CodeResult after = python(executor, "print('still here')");
        assertEquals("still here\n", after.output());
    }

    /** Asks the file system in the container for {@code bytes} at {@code path}: "fits" or "refused: REASON". */
    private static String allocate(DockerCommandLineExecutor executor, String path, long bytes) {
        return python(executor, "import os\nfd = os.open('" + path + "', os.O_WRONLY | os.O_CREAT)\n"
                + "try:\n    os.posix_fallocate(fd, 0, " + bytes + ")\n    print('fits')\n"
                + "except OSError as e:\n    print('refused:', e.strerror)\n"
                + "os.close(fd)\nos.remove('" + path + "')").output();
    }

    @Test
    void tmpIsASizeLimitedTmpfsAndStorageLimitsNeedDriverSupport() {
        DockerCommandLineExecutor executor = started(TestEngine.config().build());
        assertEquals("rw,nosuid,nodev,mode=1777,size=" + (512L << 20), inspect(executor).getHostConfig().getTmpFs().get("/tmp"));
        assertEquals("refused: No space left on device\n", allocate(executor, "/tmp/big", 1L << 30));

        DockerCommandLineExecutor small = started(TestEngine.config().tmpBytes(16L << 20).build());
        assertEquals("rw,nosuid,nodev,mode=1777,size=" + (16L << 20), inspect(small).getHostConfig().getTmpFs().get("/tmp"));

        // This machine's overlay2 sits on a file system without project quotas: the engine refuses, clearly.
        DockerCommandLineExecutor limited = new DockerCommandLineExecutor(TestEngine.config().storageBytes(1L << 30).build());
        executors.add(limited);
        try {
            limited.start();
            assertEquals(Long.toString(1L << 30), inspect(limited).getHostConfig().getStorageOpt().get("size"));
        } catch (dev.codebox.CodeExecutorException e) {
            assertTrue(e.getMessage().contains("storage-opt") || e.getMessage().contains("storage"), e.getMessage());
        }
        assertTrue(TestEngine.containersOfThisJvm().size() <= 2, "a refused container was left behind");
    }

    @Test
    void aSizeLimitedWorkDirIsATmpfsWhoseOutputFilesAreCopiedOut() throws Exception {
        DockerCommandLineExecutor executor = started(TestEngine.config().workDirBytes(16L << 20).build());
        Path workDir = executor.workDir();
        assertTrue(inspect(executor).getHostConfig().getTmpFs().get("/workspace").contains("size=" + (16L << 20)),
                inspect(executor).getHostConfig().getTmpFs().toString());
        assertEquals("refused: No space left on device\n", allocate(executor, "big", 64L << 20));

        CodeResult wrote = python(executor, "import os\nos.makedirs('sub', exist_ok=True)\n"
                + "open('sub/out.txt', 'w').write('from the tmpfs')\nopen('big.bin', 'wb').write(os.urandom(3 << 20))\n"
                + "os.symlink('/etc/passwd', 'link')\nprint('wrote')");
        assertEquals("wrote\n", wrote.output());
        assertEquals(List.of(workDir.resolve("big.bin"), workDir.resolve("sub/out.txt")), wrote.outputFiles());
        assertEquals("from the tmpfs", Files.readString(workDir.resolve("sub/out.txt")));
        assertEquals(3L << 20, Files.size(workDir.resolve("big.bin")));
        assertFalse(Files.exists(workDir.resolve("link"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.list(workDir).noneMatch(file -> file.getFileName().toString().endsWith(".sock")),
                "the host work dir is not the container's: no socket in it");
    }

    @Test
    void readOnlyRootAndNonRootUser() {
        DockerCommandLineExecutor executor = started(TestEngine.config().readOnlyRootFs(true).user("1000:1000").build());
        InspectContainerResponse container = inspect(executor);
        assertTrue(container.getHostConfig().getReadonlyRootfs());
        assertTrue(container.getHostConfig().getTmpFs().containsKey("/tmp"));
        assertEquals("1000:1000", container.getConfig().getUser());
        CodeResult result = python(executor, "import os\nprint(os.getuid(), os.getgid())\n"
                + "open('/tmp/t', 'w').write('tmp ok')\nopen('/workspace/out.txt', 'w').write('workspace ok')\n"
                + "try:\n    open('/etc/x', 'w')\nexcept OSError as e:\n    print('root fs:', e.strerror)");
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("1000 1000\nroot fs: Read-only file system\n", result.output());
        assertTrue(result.outputFiles().contains(executor.workDir().resolve("out.txt")), result.outputFiles().toString());
    }

    @Test
    void rootCanBeChosen() {
        DockerCommandLineExecutor executor = started(TestEngine.config().user("root").build());
        assertEquals("0\n", python(executor, "import os\nprint(os.getuid())").output());
    }

    @Test
    void extraVolumesAndHosts(@TempDir Path readOnly, @TempDir Path readWrite) throws Exception {
        Files.writeString(readOnly.resolve("data.txt"), "read me");
        DockerCommandLineExecutor executor = started(TestEngine.config()
                .extraVolume(VolumeMount.readOnly(readOnly, "/data"))
                .extraVolume(VolumeMount.parse(readWrite + ":/out:rw"))
                .extraHost("db.internal", "10.1.2.3")
                .build());
        CodeResult result = python(executor, "print(open('/data/data.txt').read())\n"
                + "try:\n    open('/data/new.txt', 'w')\nexcept OSError as e:\n    print('ro:', e.strerror)\n"
                + "open('/out/written.txt', 'w').write('from the container')\n"
                + "print([l.split()[0] for l in open('/etc/hosts') if 'db.internal' in l])");
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("read me\nro: Read-only file system\n['10.1.2.3']\n", result.output());
        assertEquals("from the container", Files.readString(readWrite.resolve("written.txt")));
    }

    @Test
    void bindDirIsWhatTheEngineMounts(@TempDir Path base) throws Exception {
        // Docker-out-of-Docker stand-in: the engine sees the work dir under another path (a link here).
        Path real = Files.createDirectories(base.resolve("real"));
        Path engineSide = Files.createSymbolicLink(base.resolve("engine-side"), real);
        DockerCommandLineExecutor executor = started(TestEngine.config().workDir(real).bindDir(engineSide).build());
        Bind workspace = Arrays.stream(inspect(executor).getHostConfig().getBinds())
                .filter(b -> b.getVolume().getPath().equals("/workspace")).findFirst().orElseThrow();
        assertEquals(engineSide.toString(), workspace.getPath());
        CodeResult result = python(executor, "open('made.txt', 'w').write('ok')");
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("ok", Files.readString(real.resolve("made.txt")));
    }

    @Test
    void initCommandRunsOnceBeforeTheBlocks(@TempDir Path workDir) throws Exception {
        DockerCommandLineExecutor executor = started(TestEngine.config().workDir(workDir)
                .initCommand("echo run >> init.log").build());
        CodeResult result = python(executor, "print(open('init.log').read(), end='')");
        assertEquals("run\n", result.output());
        assertEquals("run\n", python(executor, "print(open('init.log').read(), end='')").output());
    }

    @Test
    void functionsAreImportableByBlocks() {
        PythonFunction add = PythonFunction.of("def add(a, b):\n    \"\"\"Adds two numbers.\"\"\"\n    return a + b\n");
        DockerCommandLineExecutor executor = started(TestEngine.config().functions(FunctionModule.of(add)).build());
        CodeResult result = python(executor, "from functions import add\nprint(add(2, 3))");
        assertEquals(0, result.exitCode(), result.output());
        assertEquals("5\n", result.output());
    }

    @Test
    void environmentIsSet() {
        DockerCommandLineExecutor executor = started(TestEngine.config().environment("GREETING", "hi there").build());
        assertEquals("hi there\n", python(executor, "import os\nprint(os.environ['GREETING'])").output());
    }

    @Test
    void shellLanguagesRunAndMissingOnesAreRefused() {
        DockerCommandLineExecutor executor = started(TestEngine.config().build());
        CodeResult result = executor.execute(new CodeBlock("bash", "echo \"bash ${BASH_VERSINFO[0]}\""),
                new CodeBlock("sh", "echo sh $(pwd)"));
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("bash 5"), result.output());
        assertTrue(result.output().contains("sh /workspace"), result.output());
        CodeResult pwsh = executor.execute(new CodeBlock("pwsh", "Write-Output 1"));
        assertEquals(1, pwsh.exitCode());
        assertEquals("pwsh is not installed in image codebox/python:3: neither pwsh nor powershell is on its PATH\n", pwsh.output());
    }

    @Test
    void codeFilesAreKeptByDefaultAndDeletedOnRequest() {
        DockerCommandLineExecutor keeping = started(TestEngine.config().build());
        CodeResult kept = python(keeping, "print(1)");
        assertTrue(Files.exists(kept.codeFiles().get(0)));
        DockerCommandLineExecutor deleting = started(TestEngine.config().deleteCodeFiles(true).build());
        CodeResult deleted = python(deleting, "print(2)");
        assertFalse(Files.exists(deleted.codeFiles().get(0)));
        assertNotEquals(keeping.containerName(), deleting.containerName());
    }

    @Test
    void createContainerModifierEditsTheCreateCommandLast() {
        DockerExecutorConfig config = TestEngine.config()
                .createContainerModifier(create -> {
                    create.withHostName("sandbox");
                    create.getHostConfig().withPidsLimit(64L)
                            .withUlimits(List.of(new Ulimit("nofile", 256L, 256L)));
                })
                .build();
        assertTrue(config.toString().contains("createContainerModifier=set"), config.toString());
        DockerCommandLineExecutor executor = started(config);
        HostConfig host = inspect(executor).getHostConfig();
        assertEquals(64L, host.getPidsLimit(), "the modifier's value wins over codebox's default");
        assertEquals(List.of(Capability.ALL), Arrays.asList(host.getCapDrop()), "the rest of the hardening stays");
        CodeResult result = python(executor,
                "import resource\nprint(open('/etc/hostname').read().strip(), resource.getrlimit(resource.RLIMIT_NOFILE))");
        assertEquals("sandbox (256, 256)\n", result.output());
    }
}
