/**
 * codebox's MCP server: {@code dev.codebox.mcp.CodeboxMcpServer} over stdio and streamable HTTP.
 */
module dev.codebox.mcp {
    requires transitive dev.codebox;
    requires io.modelcontextprotocol.sdk.mcp.core;
    requires io.modelcontextprotocol.sdk.mcp.json.jackson2;
    requires com.fasterxml.jackson.databind;
    requires jakarta.servlet;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.ee10.servlet;
    requires org.eclipse.jetty.util;
    requires org.slf4j;

    exports dev.codebox.mcp;
}
