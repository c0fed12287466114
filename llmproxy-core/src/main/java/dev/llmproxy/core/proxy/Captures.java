package dev.llmproxy.core.proxy;

import dev.llmproxy.eventbus.BodyCapture;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.ByteBuffer;

/** Helpers shared by the copies taken of a streaming response (events, cache, usage, wire capture). */
public final class Captures {

    private Captures() {
    }

    /** Copies {@code content}'s readable bytes into {@code capture} without moving its reader index. */
    public static void append(BodyCapture capture, ByteBuf content) {
        if (content.nioBufferCount() == 1) {
            capture.append(content.nioBuffer());
        } else {
            for (ByteBuffer part : content.nioBuffers()) {
                capture.append(part);
            }
        }
    }

    /** Whether the response is a server-sent-events stream. */
    static boolean isEventStream(HttpHeaders headers) {
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
    }
}
