package dev.codebox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.CodeExecutorException;
import dev.codebox.CodeResult;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code runtimeClassName} on the real cluster. Its containerd has one runtime handler, {@code runc},
 * so a RuntimeClass naming it shows the class reaching the kubelet, and one naming {@code runsc}
 * (gVisor, not installed there) shows what a user gets from a node that lacks the runtime.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KubernetesRuntimeClassTest {

    private final TestExecutors executors = new TestExecutors();
    private final List<String> runtimeClasses = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        try {
            executors.stopAllAndCheckNoPodIsLeft();
        } finally {
            runtimeClasses.forEach(name -> TestCluster.client().resources(RuntimeClass.class).withName(name).delete());
        }
    }

    private String runtimeClass(String handler) {
        String name = "codebox-test-" + handler + "-" + ProcessHandle.current().pid();
        TestCluster.client().resources(RuntimeClass.class)
                .resource(new RuntimeClassBuilder().withNewMetadata().withName(name).endMetadata().withHandler(handler).build())
                .create();
        runtimeClasses.add(name);
        return name;
    }

    @Test
    void theRuntimeClassReachesThePodAndItsHandlerRunsTheBlocks() {
        String runc = runtimeClass("runc");
        KubernetesCommandLineExecutor executor = executors.created(TestCluster.config().runtimeClassName(runc).build());
        executor.start();
        String live = TestCluster.client().pods().inNamespace(executor.namespace()).withName(executor.podName()).get()
                .getSpec().getRuntimeClassName();
        assertEquals(runc, live);
        CodeResult result = executor.execute(CodeBlock.python("print('under', 'runc')"));
        assertEquals("under runc\n", result.output());
    }

    /** The kubelet retries such a pod's sandbox forever: start() fails on its first report, not at the timeout. */
    @Test
    void aRuntimeTheNodeLacksFailsStartAtOnceWithTheKubeletsReasonAndLeavesNoPod() {
        String runsc = runtimeClass("runsc");
        KubernetesCommandLineExecutor executor = executors.created(TestCluster.config().runtimeClassName(runsc)
                .startTimeout(Duration.ofSeconds(60)).build());
        long begin = System.nanoTime();
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals(CodeExecutorException.Reason.START_FAILED, e.reason());
        assertTrue(e.getMessage().contains("has no runtime for RuntimeClass " + runsc), e.getMessage());
        assertTrue(e.getMessage().contains("no runtime for \"runsc\" is configured"), e.getMessage());
        assertTrue(System.nanoTime() - begin < TimeUnit.SECONDS.toNanos(30), "no wait for the start timeout");
        assertFalse(executor.isStarted());
    }

    @Test
    void anUnknownRuntimeClassIsRefusedByTheApiServerAtOnce() {
        String missing = "codebox-no-such-class-" + ProcessHandle.current().pid();
        KubernetesCommandLineExecutor executor = executors.created(TestCluster.config().runtimeClassName(missing).build());
        long begin = System.nanoTime();
        CodeExecutorException e = assertThrows(CodeExecutorException.class, executor::start);
        assertEquals(CodeExecutorException.Reason.START_FAILED, e.reason());
        assertTrue(e.getMessage().contains("RuntimeClass \"" + missing + "\" not found"), e.getMessage());
        assertTrue(System.nanoTime() - begin < TimeUnit.SECONDS.toNanos(20), "no wait for the start timeout");
    }
}
