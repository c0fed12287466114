package dev.llmproxy.core.manage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one Jackson mapper of the management API, configured for strict input: no comments, no
 * single quotes, no trailing commas, no NaN, no duplicate keys, nothing after the top-level value,
 * and nesting limited to 32 levels (the API's bodies are flat objects). Thread-safe.
 */
final class Json {

    static final ObjectMapper MAPPER;

    static {
        JsonMapper mapper = JsonMapper.builder()
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // Costs are exact decimals: 0.0000375, never 3.75E-5.
                .enable(com.fasterxml.jackson.core.StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(32)
                .maxNumberLength(100)
                .build());
        MAPPER = mapper;
    }

    private Json() {
    }
}
