package dev.llmproxy.core.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PageRequestTest {

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 501, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void pageSizeOutOfRange_isRefusedNamingTheParameter(int pageSize) {
        assertThatThrownBy(() -> new PageRequest(1, pageSize))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("page_size must be between 1 and 500, got " + pageSize);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void pageBelowOne_isRefusedNamingTheParameter(int page) {
        assertThatThrownBy(() -> new PageRequest(page, 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("page must be 1 or greater, got " + page);
    }

    @Test
    void bounds_areAccepted() {
        assertThat(new PageRequest(1, 1).offset()).isZero();
        assertThat(new PageRequest(1, 500).pageSize()).isEqualTo(500);
        assertThat(new PageRequest(Integer.MAX_VALUE, 500).offset())
                .as("no int overflow").isEqualTo((Integer.MAX_VALUE - 1L) * 500);
        assertThat(PageRequest.firstPage()).isEqualTo(new PageRequest(1, PageRequest.DEFAULT_PAGE_SIZE));
    }

    @Test
    void slice_cutsThePage_andReportsTheTotal() {
        List<Integer> all = List.of(1, 2, 3, 4, 5);

        assertThat(Page.slice(all, new PageRequest(2, 2)).items()).containsExactly(3, 4);
        assertThat(Page.slice(all, new PageRequest(3, 2)).items()).containsExactly(5);
        Page<Integer> beyond = Page.slice(all, new PageRequest(Integer.MAX_VALUE, 500));
        assertThat(beyond.items()).isEmpty();
        assertThat(beyond.total()).isEqualTo(5);
    }

    @Test
    void page_navigationHelpers() {
        Page<String> middle = new Page<>(List.of("c", "d"), 5, 2, 2);
        Page<String> last = new Page<>(List.of("e"), 5, 3, 2);

        assertThat(middle.totalPages()).isEqualTo(3);
        assertThat(middle.hasNext()).isTrue();
        assertThat(middle.hasPrevious()).isTrue();
        assertThat(last.hasNext()).isFalse();
        assertThat(Page.empty(PageRequest.firstPage()).hasPrevious()).isFalse();
        assertThat(middle.map(String::toUpperCase).items()).containsExactly("C", "D");
        assertThat(middle.map(String::length).total()).isEqualTo(5);
    }

    @Test
    void page_isImmutable() {
        java.util.ArrayList<String> source = new java.util.ArrayList<>(List.of("a"));
        Page<String> page = new Page<>(source, 1, 1, 20);
        source.add("b");

        assertThat(page.items()).containsExactly("a");
        assertThatThrownBy(() -> page.items().add("c")).isInstanceOf(UnsupportedOperationException.class);
    }
}
