"""The analyzer and the query parser, without a database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lihui.search.tokens import MAX_QUERY, QueryError, Term, analyze, fts5_match, parse_query, pg_tsquery


def test_cjk_runs_become_bigrams_and_characters():
    bi, uni = analyze("整理Q3退货数据，预算!")
    assert bi.split() == ["整理", "q3", "退货", "货数", "数据", "预算"]
    assert set(uni.split()) == set("整理退货数据预算")


def test_a_lone_character_stays_a_unigram_and_punctuation_separates():
    assert analyze("单，退货")[0].split() == ["单", "退货"]
    assert analyze("——！？。、【】《》")[0] == ""


def test_full_width_letters_and_case_fold():
    assert analyze("Ｑ３ Report ÜBER")[0].split() == ["q3", "report", "über"]


def test_queries_of_one_two_and_more_characters():
    assert parse_query("退") == [Term("uni", ("退",), "退")]
    assert parse_query("退货") == [Term("bi", ("退货",), "退货")]
    assert parse_query("退货数据") == [Term("bi", ("退货", "货数", "数据"), "退货数据")]


def test_mixed_query_and_punctuation_are_separate_terms():
    assert parse_query("Q3 退货") == parse_query("「Q3」，退货！") == [Term("bi", ("q3",), "q3"), Term("bi", ("退货",), "退货")]


@pytest.mark.parametrize("query", ["", "   ", "，。！？", "!!!", "——", "x" * (MAX_QUERY + 1), "退" * 10_000])
def test_bad_queries_are_refused(query):
    with pytest.raises(QueryError):
        parse_query(query)


def test_too_many_words():
    with pytest.raises(QueryError):
        parse_query(" ".join(f"w{i}" for i in range(11)))


def test_match_expressions():
    terms = parse_query("Q3 退货数据 单")
    assert fts5_match(terms) == 'bi : "q3" AND bi : "退货 货数 数据" AND uni : "单"'
    assert pg_tsquery(terms, "bi") == "(q3) & (退货 <-> 货数 <-> 数据)"
    assert pg_tsquery(terms, "uni") == "(单)"
    assert pg_tsquery(parse_query("预算"), "uni") is None


@given(st.text())
def test_any_text_analyzes_into_safe_tokens(text):
    bi, uni = analyze(text)
    for token in (bi + " " + uni).split():
        assert token.isalnum(), token  # nothing FTS5 or tsquery would read as syntax


@given(st.text(max_size=MAX_QUERY))
def test_any_query_parses_or_is_refused_cleanly(query):
    try:
        terms = parse_query(query)
    except QueryError:
        return
    assert terms and all(all(t.isalnum() for t in term.tokens) for term in terms)
    assert '"' not in fts5_match(terms).replace(' "', "").replace('" ', "").strip('"')


@given(st.text(alphabet=st.sampled_from("退货数据预算物流客服的了，。 "), min_size=2, max_size=30))
def test_every_chinese_substring_of_an_indexed_text_is_found(text):
    """Whatever part of a Chinese text someone types, its terms are in the text's tokens:
    a character in the character column, a longer run as adjacent bigrams. (Latin letters
    are matched as whole words, as Lucene does.)"""
    bi, uni = analyze(text)
    bi_tokens, uni_tokens = bi.split(), set(uni.split())
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + 6) + 1):
            try:
                terms = parse_query(text[start:end])
            except QueryError:
                continue
            for term in terms:
                if term.column == "uni":
                    assert term.tokens[0] in uni_tokens
                else:
                    n = len(term.tokens)
                    assert term.tokens in [tuple(bi_tokens[i : i + n]) for i in range(len(bi_tokens) - n + 1)]
