/** docker-jupyter: the Jupyter executor on a Jupyter server in a hardened Docker container. */
module dev.codebox.jupyter.docker {
    requires transitive dev.codebox.jupyter;
    requires dev.codebox.docker;
    requires dev.codebox.runner;
    requires org.slf4j;

    exports dev.codebox.jupyter.docker;
}
