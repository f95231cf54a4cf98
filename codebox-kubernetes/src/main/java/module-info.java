/**
 * The Kubernetes command-line executor: code blocks in hardened pods, through a resident runner
 * (fabric8). fabric8's jars name no module: they are automatic modules named after their files.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.codebox.kubernetes {
    requires transitive dev.codebox;
    requires transitive kubernetes.client.api;
    requires transitive kubernetes.model.core;
    requires kubernetes.model.common;
    requires dev.codebox.runner;
    requires org.slf4j;

    exports dev.codebox.kubernetes;
}
