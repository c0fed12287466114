package dev.llmproxy.core.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.llmproxy.core.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Builds the OpenAI error envelope for every error the proxy generates itself, so OpenAI SDKs
 * surface it like an upstream error:
 * <pre>{"error":{"message":"Token has expired","type":"invalid_request_error","code":"token_expired","param":null}}</pre>
 * Stateless and thread-safe.
 */
public final class ErrorResponses {

    private static final JsonFactory JSON = new JsonFactory();

    private ErrorResponses() {
    }

    /**
     * A complete {@code application/json} error response. The caller owns the returned message
     * and must write or release it.
     *
     * @param requestId value for {@code X-Request-ID}, or null to omit it
     */
    public static FullHttpResponse of(ByteBufAllocator alloc, ProxyError error, String message, String requestId) {
        ByteBuf body = alloc.buffer(160 + message.length());
        try (ByteBufOutputStream out = new ByteBufOutputStream(body);
             JsonGenerator g = JSON.createGenerator((java.io.OutputStream) out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message);
            g.writeStringField("type", error.type());
            g.writeStringField("code", error.code());
            g.writeNullField("param");
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            body.release();
            throw new UncheckedIOException(e);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(error.status()), body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (requestId != null) {
            response.headers().set(ProxyHeaders.X_REQUEST_ID, requestId);
        }
        return response;
    }
}
