package dev.codebox.kubernetes;

/**
 * A program that starts a Kubernetes executor, prints its pod's name and exits without stopping it;
 * used by {@link KubernetesShutdownTest}.
 */
public final class ExitWithoutStop {

    private ExitWithoutStop() {
    }

    public static void main(String[] args) {
        KubernetesCommandLineExecutor executor = new KubernetesCommandLineExecutor(TestCluster.config().build());
        executor.start();
        System.out.println(executor.podName());
    }
}
