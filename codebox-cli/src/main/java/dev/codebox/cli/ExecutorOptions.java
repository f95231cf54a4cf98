package dev.codebox.cli;

import picocli.CommandLine.Mixin;

/**
 * The options that choose and configure an executor, which {@code exec}, {@code run} and
 * {@code mcp} share: {@code -e} and the common options, each executor's own, the functions module
 * and the local sandbox.
 */
final class ExecutorOptions {

    @Mixin
    CommonOptions common;

    @Mixin
    DockerOptions docker;

    @Mixin
    KubernetesOptions kubernetes;

    @Mixin
    JupyterOptions jupyter;

    @Mixin
    FunctionsOptions functions;

    @Mixin
    SandboxOptions sandbox;
}
