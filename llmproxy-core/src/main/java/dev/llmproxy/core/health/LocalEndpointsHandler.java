package dev.llmproxy.core.health;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.llmproxy.core.ProxyError;
import dev.llmproxy.core.metrics.PrometheusMetrics;
import io.prometheus.client.exporter.common.TextFormat;
import dev.llmproxy.core.proxy.ErrorResponses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The last handler of the standalone server's pipeline: answers {@code /health} (liveness with
 * version), {@code /live}, {@code /ready} (200 only while {@code readiness} says so, 503 otherwise),
 * {@code /metrics} and {@code /metrics/prometheus} when metrics are on, and a JSON 404 for
 * anything else that no earlier handler took. Request bodies of these
 * requests are read and discarded. Also closes client connections that went idle.
 *
 * <p>Stateless apart from the current request; one instance per channel.
 */
public final class LocalEndpointsHandler extends ChannelInboundHandlerAdapter {

    private static final JsonFactory JSON = new JsonFactory();

    private final String version;
    private final HealthReport health;
    private final PrometheusMetrics metrics;
    private HttpRequest current;

    /**
     * @param health  what {@code /ready} and {@code /health/details} report
     * @param metrics serves {@code /metrics} (JSON) and {@code /metrics/prometheus}; null answers
     *                them 404 ({@code ENABLE_METRICS=false})
     */
    public LocalEndpointsHandler(String version, HealthReport health, PrometheusMetrics metrics) {
        this.version = version;
        this.health = health;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            current = (HttpRequest) msg;
        }
        boolean last = msg instanceof LastHttpContent;
        if (msg instanceof HttpContent || msg instanceof HttpRequest) {
            ReferenceCountUtil.release(msg);
        } else {
            ctx.fireChannelRead(msg);
            return;
        }
        if (last && current != null) {
            HttpRequest request = current;
            current = null;
            respond(ctx, request);
        }
    }

    private void respond(ChannelHandlerContext ctx, HttpRequest request) {
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q >= 0 ? uri.substring(0, q) : uri;
        FullHttpResponse response;
        switch (path) {
            case "/health":
                response = json(ctx, HttpResponseStatus.OK, "ok");
                break;
            case "/live":
                response = json(ctx, HttpResponseStatus.OK, "alive");
                break;
            case "/ready":
                boolean ready = health.ready();
                response = json(ctx, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        ready ? "ready" : "not_ready");
                break;
            case "/health/details":
                response = details(ctx);
                break;
            case "/metrics":
                if (metrics != null) {
                    response = metricsJson(ctx);
                    break;
                }
                response = notFound(ctx, request, path);
                break;
            case "/metrics/prometheus":
                if (metrics != null) {
                    byte[] text = metrics.scrape().getBytes(StandardCharsets.UTF_8);
                    response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            ctx.alloc().buffer(text.length).writeBytes(text));
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, TextFormat.CONTENT_TYPE_004)
                            .setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
                    break;
                }
                response = notFound(ctx, request, path);
                break;
            default:
                response = notFound(ctx, request, path);
        }
        if (HttpMethod.HEAD.equals(request.method())) {
            response.content().clear();
        }
        finishResponse(ctx, request, response);
    }

    private static FullHttpResponse notFound(ChannelHandlerContext ctx, HttpRequest request, String path) {
        FullHttpResponse response = ErrorResponses.of(ctx.alloc(), ProxyError.ENDPOINT_NOT_FOUND,
                        "No route for " + request.method() + " " + sanitize(path), null);
        response.setStatus(HttpResponseStatus.NOT_FOUND);
        return response;
    }

    /** Every component and upstream (see {@link HealthReport}); 503 while not ready. */
    private FullHttpResponse details(ChannelHandlerContext ctx) {
        boolean ready = health.ready();
        ByteBuf buf = ctx.alloc().buffer(1024);
        try (OutputStream out = new ByteBufOutputStream(buf); JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("timestamp", Instant.now().toString());
            g.writeStringField("version", version);
            health.writeDetails(g);
            g.writeEndObject();
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, buf);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return r;
    }

    private FullHttpResponse metricsJson(ChannelHandlerContext ctx) {
        ByteBuf buf = ctx.alloc().buffer(256);
        try (OutputStream out = new ByteBufOutputStream(buf); JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (var e : new java.util.TreeMap<>(metrics.summary()).entrySet()) {
                g.writeFieldName(e.getKey());
                if (e.getValue() instanceof Double) {
                    g.writeNumber(e.getValue().doubleValue());
                } else {
                    g.writeNumber(e.getValue().longValue());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, buf);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
        return r;
    }

    private static void finishResponse(ChannelHandlerContext ctx, HttpRequest request, FullHttpResponse response) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        response.setProtocolVersion(request.protocolVersion());
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ChannelFuture f = ctx.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private FullHttpResponse json(ChannelHandlerContext ctx, HttpResponseStatus status, String state) {
        ByteBuf buf = ctx.alloc().buffer(96);
        try (OutputStream out = new ByteBufOutputStream(buf); JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("status", state);
            g.writeStringField("timestamp", Instant.now().toString());
            g.writeStringField("version", version);
            g.writeEndObject();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return r;
    }

    /** Paths are echoed in errors; keep them printable and short. */
    private static String sanitize(String path) {
        StringBuilder sb = new StringBuilder(Math.min(path.length(), 200));
        for (int i = 0; i < path.length() && sb.length() < 200; i++) {
            char c = path.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // I/O errors on client connections (resets, broken pipes) are routine; just close.
        ctx.close();
    }
}
