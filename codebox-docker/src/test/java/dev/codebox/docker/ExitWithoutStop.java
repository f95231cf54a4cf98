package dev.codebox.docker;

/**
 * A program that starts a Docker executor, prints its container's name and exits without stopping
 * it; used by {@link DockerShutdownTest}. Argument: {@code stop} or {@code keep} (stopContainerOnExit).
 */
public final class ExitWithoutStop {

    private ExitWithoutStop() {
    }

    public static void main(String[] args) {
        DockerCommandLineExecutor executor = new DockerCommandLineExecutor(DockerExecutorConfig.builder()
                .image(TestEngine.IMAGE)
                .stopContainerOnExit(!"keep".equals(args[0]))
                .build());
        executor.start();
        System.out.println(executor.containerName());
    }
}
