package dev.llmproxy.core.openai;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class OpenAiJsonTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void sniffRequest_readsTopLevelModelAndStreamOnly() {
        byte[] body = b("{\"messages\":[{\"model\":\"nested\",\"stream\":true}],\"model\":\"gpt-4o\",\"stream\":true}");
        OpenAiJson.RequestInfo info = OpenAiJson.sniffRequest(body, 0, body.length);
        assertThat(info.model()).isEqualTo("gpt-4o");
        assertThat(info.stream()).isTrue();
    }

    @Test
    void sniffRequest_toleratesGarbageAndNonObjects() {
        byte[] garbage = b("{\"model\":\"gpt-4o\", oops");
        assertThat(OpenAiJson.sniffRequest(garbage, 0, garbage.length).model()).isEqualTo("gpt-4o");
        byte[] array = b("[1,2]");
        assertThat(OpenAiJson.sniffRequest(array, 0, array.length).model()).isNull();
        assertThat(OpenAiJson.sniffRequest(new byte[0], 0, 0).stream()).isFalse();
    }

    @Test
    void readJsonResponse_readsModelAndUsage() {
        byte[] body = b("{\"id\":\"x\",\"model\":\"gpt-4o-2024\",\"choices\":[{\"message\":{\"content\":\"hi\"}}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17,\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
        OpenAiJson.ResponseInfo info = OpenAiJson.readJsonResponse(body, 0, body.length);
        assertThat(info.model()).isEqualTo("gpt-4o-2024");
        assertThat(info.usage()).isEqualTo(new OpenAiJson.Usage(12, 5, 17));
    }

    @Test
    void readJsonResponse_responsesApiNamesAreUnderstoodAndTotalDerived() {
        byte[] body = b("{\"model\":\"m\",\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}");
        assertThat(OpenAiJson.readJsonResponse(body, 0, body.length).usage()).isEqualTo(new OpenAiJson.Usage(3, 4, 7));
    }

    @Test
    void readSseResponse_takesTheUsageChunkAndIgnoresDoneAndBrokenEvents() {
        byte[] sse = b("data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n"
                + "data: {not json}\r\n\r\n"
                + "data: {\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\n"
                + "data: [DONE]\n\n");
        OpenAiJson.ResponseInfo info = OpenAiJson.readSseResponse(sse, 0, sse.length);
        assertThat(info.model()).isEqualTo("gpt-4o");
        assertThat(info.usage()).isEqualTo(new OpenAiJson.Usage(9, 2, 11));
    }

    @Test
    void readSseResponse_withoutUsage_reportsNone() {
        byte[] sse = b("data: {\"model\":\"gpt-4o\",\"choices\":[]}\n\ndata: [DONE]\n\n");
        assertThat(OpenAiJson.readSseResponse(sse, 0, sse.length).usage().isEmpty()).isTrue();
    }

    @Test
    void readSseResponse_findsUsageWrittenWithSpaces_andIgnoresUsageTalkInsideContent() {
        byte[] sse = b("data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\": {\"}}]}\n\n"
                + "data: {\"choices\":[],\"usage\" :\t {\"prompt_tokens\":5,\"completion_tokens\":6}}\n\n"
                + "data: [DONE]\n\n");
        OpenAiJson.ResponseInfo info = OpenAiJson.readSseResponse(sse, 0, sse.length);
        assertThat(info.model()).isEqualTo("gpt-4o");
        assertThat(info.usage()).isEqualTo(new OpenAiJson.Usage(5, 6, 11));
    }

    @Test
    void mayHoldUsage_needsTheKeyWithAnObjectValue() {
        assertThat(OpenAiJson.mayHoldUsage(b("{\"usage\":{}}"), 0, 13)).isTrue();
        assertThat(OpenAiJson.mayHoldUsage(b("{\"usage\"\t:\r\n {}}"), 0, 17)).isTrue();
        assertThat(OpenAiJson.mayHoldUsage(b("{\"usage\":null}"), 0, 15)).isFalse();
        assertThat(OpenAiJson.mayHoldUsage(b("{\"c\":\"\\\"usage\\\":{\"}"), 0, 20)).isFalse();
        assertThat(OpenAiJson.mayHoldUsage(b("{\"usage"), 0, 7)).isFalse();
    }
}
