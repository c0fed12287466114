package dev.llmproxy.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BodyTest {

    @Test
    void capped_keepsAtMostMaxBytes_andFlagsTruncation() {
        byte[] ten = "0123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(Body.capped(ten, 10)).satisfies(b -> {
            assertThat(b.size()).isEqualTo(10);
            assertThat(b.truncated()).isFalse();
        });
        Body cut = Body.capped(ten, 4);
        assertThat(cut.toUtf8String()).isEqualTo("0123");
        assertThat(cut.truncated()).isTrue();
        assertThat(Body.capped(ten, 0)).satisfies(b -> {
            assertThat(b.isEmpty()).isTrue();
            assertThat(b.truncated()).isTrue();
        });
        assertThat(Body.capped(null, 5)).isSameAs(Body.EMPTY);
    }

    @Test
    void capped_copiesItsInput() {
        byte[] data = {1, 2, 3};
        Body b = Body.capped(data, 10);
        data[0] = 9;
        assertThat(b.toByteArray()).containsExactly(1, 2, 3);
    }

    @Test
    void capped_dropsAPartialUtf8CharacterAtTheCut_soTextStaysText() {
        byte[] text = "ab€".getBytes(StandardCharsets.UTF_8); // a, b, then 3 bytes E2 82 AC
        Body cut = Body.capped(text, 4); // cuts inside the euro sign
        assertThat(cut.toUtf8String()).isEqualTo("ab");
        assertThat(cut.isUtf8()).isTrue();
        assertThat(cut.truncated()).isTrue();
        Body emoji = Body.capped("x😀".getBytes(StandardCharsets.UTF_8), 4); // 1 + 4 bytes, cut after 3 of 4
        assertThat(emoji.toUtf8String()).isEqualTo("x");
    }

    @Test
    void capped_leavesBinaryCutsAloneWhenTheyEndOnACompleteSequence() {
        byte[] bin = {(byte) 0xFF, (byte) 0xFE, 0x00, 0x41, 0x42};
        assertThat(Body.capped(bin, 4).toByteArray()).containsExactly(0xFF, 0xFE, 0x00, 0x41);
    }

    @Test
    void cappedRange_checksBounds() {
        assertThatThrownBy(() -> Body.capped(new byte[3], 2, 5, 10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Body.capped(new byte[3], -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void utf8Detection_rejectsMalformedSequences() {
        assertThat(Body.of("héllo ✓ 😀").isUtf8()).isTrue();
        assertThat(Body.of(new byte[] {(byte) 0xC0, (byte) 0xAF}).isUtf8()).isFalse(); // overlong '/'
        assertThat(Body.of(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}).isUtf8()).isFalse(); // surrogate
        assertThat(Body.of(new byte[] {(byte) 0xE2, (byte) 0x82}).isUtf8()).isFalse(); // incomplete
        assertThat(Body.of(new byte[] {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80}).isUtf8()).isFalse();
        assertThat(Body.of(new byte[] {(byte) 0x89, 0x50, 0x4E, 0x47}).isUtf8()).isFalse(); // PNG magic
    }

    @Test
    void views_doNotExposeTheBackingArray() throws IOException {
        Body b = Body.of(new byte[] {1, 2, 3});
        ByteBuffer view = b.asReadOnlyBuffer();
        assertThat(view.isReadOnly()).isTrue();
        assertThat(view.remaining()).isEqualTo(3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.writeTo(out);
        assertThat(out.toByteArray()).containsExactly(1, 2, 3);
        assertThat(b.openStream().readAllBytes()).containsExactly(1, 2, 3);
    }

    @Test
    void equality_isByContentAndFlag() {
        assertThat(Body.of("x")).isEqualTo(Body.of("x".getBytes(StandardCharsets.UTF_8)));
        assertThat(Body.of("x").hashCode()).isEqualTo(Body.of("x".getBytes(StandardCharsets.UTF_8)).hashCode());
        assertThat(Body.of("x".getBytes(StandardCharsets.UTF_8), true)).isNotEqualTo(Body.of("x"));
    }

    @Test
    void bodyCapture_matchesCappingTheWholeBody() {
        byte[] whole = new byte[10_000];
        for (int i = 0; i < whole.length; i++) {
            whole[i] = (byte) ('a' + i % 26);
        }
        BodyCapture capture = new BodyCapture(6_000);
        for (int off = 0; off < whole.length; off += 777) {
            capture.append(whole, off, Math.min(777, whole.length - off));
        }
        assertThat(capture.toBody()).isEqualTo(Body.capped(whole, 6_000));
        assertThat(capture.totalBytes()).isEqualTo(10_000);
        assertThat(capture.truncated()).isTrue();
    }

    @Test
    void bodyCapture_underTheCap_isNotTruncated_andCanContinueAfterToBody() {
        BodyCapture capture = new BodyCapture(100);
        capture.append("data: {\"a\":1}\n\n".getBytes(StandardCharsets.UTF_8));
        Body first = capture.toBody();
        capture.append("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(first.toUtf8String()).isEqualTo("data: {\"a\":1}\n\n");
        assertThat(first.truncated()).isFalse();
        assertThat(capture.toBody().toUtf8String()).isEqualTo("data: {\"a\":1}\n\ndata: [DONE]\n\n");
    }

    @Test
    void bodyCapture_fromByteBuffer_leavesThePositionAlone() {
        ByteBuffer chunk = ByteBuffer.wrap("hello world".getBytes(StandardCharsets.US_ASCII));
        chunk.position(6);
        BodyCapture capture = new BodyCapture(3);
        capture.append(chunk);
        assertThat(chunk.position()).isEqualTo(6);
        assertThat(capture.toBody().toUtf8String()).isEqualTo("wor");
        assertThat(capture.toBody().truncated()).isTrue();
        assertThat(capture.totalBytes()).isEqualTo(5);
    }

    @Test
    void bodyCapture_withZeroCap_onlyCounts() {
        BodyCapture capture = new BodyCapture(0);
        capture.append(new byte[50]);
        assertThat(capture.toBody().isEmpty()).isTrue();
        assertThat(capture.toBody().truncated()).isTrue();
        assertThat(Arrays.asList(capture.totalBytes())).containsExactly(50L);
    }

    @Test
    void capture_bodyHandedOutNeverChanges_whenCapturingGoesOn() {
        BodyCapture capture = new BodyCapture(1_000);
        capture.append("hello".getBytes(StandardCharsets.UTF_8)); // one chunk: the buffer is exactly full
        Body first = capture.toBody();
        capture.append(" world".getBytes(StandardCharsets.UTF_8));
        Body second = capture.toBody();
        capture.append(java.nio.ByteBuffer.wrap("!".getBytes(StandardCharsets.UTF_8)));
        assertThat(first.toUtf8String()).isEqualTo("hello");
        assertThat(second.toUtf8String()).isEqualTo("hello world");
        assertThat(capture.toBody().toUtf8String()).isEqualTo("hello world!");
        assertThat(second.toUtf8String()).isEqualTo("hello world");
    }

    @Test
    void capture_manySmallChunks_keepEveryByteUpToTheCap() {
        BodyCapture capture = new BodyCapture(5_000);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 2_000; i++) { // 10,890 bytes in all
            String chunk = "c" + i + ";";
            capture.append(chunk.getBytes(StandardCharsets.UTF_8));
            expected.append(chunk);
        }
        Body body = capture.toBody();
        assertThat(body.truncated()).isTrue();
        assertThat(body.toUtf8String()).isEqualTo(expected.substring(0, 5_000));
    }

    @Test
    void read_handsTheBytesInPlace_onlyTheBodysRange() {
        byte[] text = "ab€cd".getBytes(StandardCharsets.UTF_8);
        Body cut = Body.capped(text, 4); // a, b, then the cut € is dropped: 2 bytes
        Body.Reader<String> asText = (bytes, offset, length) -> new String(bytes, offset, length, StandardCharsets.UTF_8);
        Body.Reader<Integer> size = (bytes, offset, length) -> length;
        String text2 = cut.read(asText);
        int emptySize = Body.EMPTY.read(size);
        assertThat(text2).isEqualTo("ab");
        assertThat(emptySize).isZero();
    }

    @Test
    void captureExpectingItsLength_holdsTheSameBytes_whateverTheAnnouncedLength() {
        byte[] data = new byte[1_500];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ('a' + i % 26);
        }
        for (long announced : new long[] {1_500, 100, 5_000, 0, -1, Long.MAX_VALUE}) {
            BodyCapture capture = new BodyCapture(1_000);
            capture.expect(announced);
            capture.append(data, 0, 700);
            capture.append(data, 700, 800);
            Body body = capture.toBody();
            assertThat(body.toByteArray()).as("announced %d", announced).isEqualTo(Arrays.copyOf(data, 1_000));
            assertThat(body.truncated()).isTrue();
            capture.append(data, 0, 10); // appending after toBody never changes the body handed out
            assertThat(body.toByteArray()).isEqualTo(Arrays.copyOf(data, 1_000));
        }
        BodyCapture exact = new BodyCapture(4_096);
        exact.expect(data.length);
        exact.append(data);
        assertThat(exact.toBody().toByteArray()).isEqualTo(data);
        BodyCapture late = new BodyCapture(4_096);
        late.append(data, 0, 10);
        late.expect(data.length); // too late: ignored, the capture keeps growing as before
        late.append(data, 10, data.length - 10);
        assertThat(late.toBody().toByteArray()).isEqualTo(data);
    }
}
