package dev.codebox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

/** The executors of one test: all stopped after it, which then must leave no pod of this JVM. */
final class TestExecutors {

    private final List<KubernetesCommandLineExecutor> executors = new ArrayList<>();

    /** A new executor, not started, stopped by {@link #stopAllAndCheckNoPodIsLeft}. */
    KubernetesCommandLineExecutor created(KubernetesExecutorConfig config) {
        KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(config);
        executors.add(executor);
        return executor;
    }

    /** A new executor, started. */
    KubernetesCommandLineExecutor started(KubernetesExecutorConfig config) {
        KubernetesCommandLineExecutor executor = created(config);
        executor.start();
        return executor;
    }

    void stopAllAndCheckNoPodIsLeft() {
        executors.forEach(KubernetesCommandLineExecutor::stop);
        executors.clear();
        assertEquals(List.of(), TestCluster.podsOfThisJvm().stream().map(p -> p.getMetadata().getName()).toList(),
                "pods left behind");
    }
}
