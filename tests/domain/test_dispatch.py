"""The smart-dispatch core without a database: classifier, CSV input, catalogue, duplicates,
knowledge search."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.dispatch import catalogue, classifier, evaluate
from hotline.domain.dispatch.duplicates import DuplicateIndex, Entry, place_similarity
from hotline.domain.dispatch.knowledge import Article, KnowledgeIndex, tokenize
from hotline.domain.dispatch.table import read_table, write_predictions

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TIPDM = Path(__file__).resolve().parents[3] / "shared" / "data" / "tipdm2020_c"

# A small synthetic history: three kinds of matters, each in several wordings.
SYNTHETIC = {
    "noise": [
        "楼上邻居半夜装修电钻声音很大",
        "工地夜间施工噪音扰民无法入睡",
        "广场舞音响声音太大影响休息",
        "酒吧夜里音乐太吵影响居民休息",
        "凌晨还有施工机械噪音请查处",
        "小区旁边KTV噪音扰民",
    ],
    "water": [
        "小区停水两天没有通知",
        "自来水水压太低高层用不上水",
        "水管爆裂路面积水请抢修",
        "家里自来水发黄有异味",
        "供水管道漏水浪费严重",
        "停水后一直没有恢复供水",
    ],
    "traffic": [
        "路口红绿灯坏了车辆拥堵",
        "公交车到站时间太长希望加密班次",
        "学校门口车辆乱停堵塞交通",
        "道路施工封路没有绕行提示",
        "信号灯配时不合理早高峰拥堵",
        "公交站牌信息错误请更新",
    ],
}


def synthetic() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, samples in SYNTHETIC.items():
        texts += samples
        labels += [label] * len(samples)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> classifier.TextClassifier:
    return classifier.train(*synthetic(), source="synthetic")


def test_suggestions_rank_the_right_category_first(model: classifier.TextClassifier) -> None:
    top = model.suggest(["晚上施工噪音太大", "停水了什么时候恢复供水", "红绿灯故障路口拥堵"])
    assert [row[0].label for row in top] == ["noise", "water", "traffic"]
    for row in top:
        assert len(row) == 3
        assert [s.score for s in row] == sorted((s.score for s in row), reverse=True)
        assert sum(s.score for s in row) == pytest.approx(1.0, abs=1e-3)


def test_saved_model_loads_with_its_metadata(
    model: classifier.TextClassifier, tmp_path: Path
) -> None:
    path = tmp_path / "m.joblib"
    model.save(path)
    loaded = classifier.load(path)
    assert loaded.info.labels == ["noise", "traffic", "water"]
    assert loaded.info.training_rows == 18
    meta = json.loads(classifier.metadata_path(path).read_text())
    assert meta["label_counts"] == {"noise": 6, "traffic": 6, "water": 6}
    assert loaded.suggest(["噪音"]) == model.suggest(["噪音"])


def test_unusable_models_are_named(tmp_path: Path) -> None:
    with pytest.raises(classifier.ModelError, match="no model at"):
        classifier.load(tmp_path / "missing.joblib")
    junk = tmp_path / "junk.joblib"
    junk.write_text("not a model")
    classifier.metadata_path(junk).write_text("{}")
    with pytest.raises(classifier.ModelError, match="not a dispatch model"):
        classifier.load(junk)


def test_training_needs_two_labels_and_drops_singletons() -> None:
    with pytest.raises(classifier.ModelError, match="at least 2 labels"):
        classifier.train(["a", "b", "c"], ["x", "x", "x"])
    texts, labels = synthetic()
    trained = classifier.train([*texts, "孤例"], [*labels, "lonely"])
    assert trained.info.dropped_labels == {"lonely": 1}
    assert "lonely" not in trained.labels


def test_self_training_adopts_only_confident_unlabelled_texts() -> None:
    texts, labels = synthetic()
    trained = classifier.train(texts, labels, unlabelled=["", "夜间施工噪音扰民", "天气不错"])
    assert 0 <= trained.info.unlabelled_used <= 2


def test_title_counts_double() -> None:
    assert classifier.compose_text(["标题", "正文"]) == "标题 标题 正文"
    assert classifier.compose_text(["只有一段"]) == "只有一段"
    assert classifier.compose_text(["", "正文"]) == "正文"


def test_cross_validation_reports_reliability() -> None:
    texts, labels = synthetic()
    result = evaluate.cross_validate(texts * 2, labels * 2, folds=3)
    assert result.rows == 36
    assert 0.0 <= result.macro_f1 <= 1.0
    assert result.top3_accuracy == 1.0  # three labels: the right one is always in the top 3
    assert sum(b.count for b in result.reliability) == 36


@pytest.mark.skipif(not TIPDM.is_dir(), reason="../shared/data/tipdm2020_c is absent")
def test_real_messages_reach_the_macro_f1_target() -> None:
    table = read_table(
        TIPDM / "messages_labelled.csv", text_columns=["subject", "detail"], label_column="label"
    )
    result = evaluate.cross_validate(table.texts, table.labels, folds=5, seed=0)
    assert result.macro_f1 >= 0.80
    count, precision = result.precision_at(0.9)
    assert count > 50 and precision is not None and precision >= 0.9


# -- CSV input -------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_table_joins_text_columns_in_file_order(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [["s", "d", "y"], ["标题", "正文", "a"], ["二", "", "b"]])
    table = read_table(path, text_columns=["s", "d"], label_column="y")
    assert table.texts == ["标题 标题 正文", "二 二"]
    assert table.labels == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty file"),
        (b"s,y\n", "no data rows"),
        (b"x,y\n1,2\n", "no column 's'; columns are x, y"),
        (b"s,y\n\xff\xfe\xfa,1\n", "not UTF-8"),
    ],
)
def test_bad_tables_get_one_clear_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(classifier.ModelError, match=message):
        read_table(path, text_columns=["s"], label_column="y")


def test_predictions_file_has_one_row_per_input(tmp_path: Path) -> None:
    out = tmp_path / "p.csv"
    write_predictions(out, [[("a", 0.5), ("b", 0.3), ("c", 0.2)], [("b", 1.0)]], 3)
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["row", "label_1", "score_1", "label_2", "score_2", "label_3", "score_3"]
    assert rows[1] == ["1", "a", "0.5000", "b", "0.3000", "c", "0.2000"]
    assert rows[2] == ["2", "b", "1.0000", "", "", "", ""]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.text(max_size=20), min_size=2, max_size=2), min_size=1, max_size=20))
def test_any_csv_reads_back_row_for_row(
    tmp_path_factory: pytest.TempPathFactory, rows: list
) -> None:
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["s", "y"], *rows])
    expected = list(csv.DictReader(path.open(newline="", encoding="utf-8-sig")))
    if not expected:
        with pytest.raises(classifier.ModelError):
            read_table(path, text_columns=["s"], label_column="y")
        return
    table = read_table(path, text_columns=["s"], label_column="y")
    assert len(table.texts) == len(expected)
    assert table.labels == [(r["y"] or "").strip() for r in expected]


# -- dispatch catalogue ----------------------------------------------------------------------


def test_most_specific_catalogue_entry_wins() -> None:
    routes = [
        catalogue.Route(1, 1, "noise", "", "chengguan"),
        catalogue.Route(2, 3, "noise", "district-a", "district-a-gov"),
        catalogue.Route(3, 1, "noise", "street-a1", "street-a1-office", ("chengguan",)),
        catalogue.Route(4, 1, "water", "", "water-co"),
    ]
    resolve = catalogue.resolve
    assert resolve(routes, category="noise", area_path=["street-a1", "district-a"]).entry == 3
    assert resolve(routes, category="noise", area_path=["street-a2", "district-a"]).entry == 2
    assert resolve(routes, category="noise", area_path=["street-b1", "district-b"]).entry == 1
    assert resolve(routes, category="noise", area_path=[]).entry == 1
    assert resolve(routes, category="road", area_path=[]) is None


# -- duplicates ------------------------------------------------------------------------------


def fixture_orders() -> list[dict]:
    return json.loads((FIXTURES / "duplicates.json").read_text())["orders"]


def test_duplicate_suggestions_on_the_labelled_fixture() -> None:
    score = evaluate.duplicate_precision_recall(fixture_orders())
    assert (score.orders, score.pairs) == (46, 15)
    assert score.precision >= 0.9
    assert score.recall >= 0.85


def test_same_matter_elsewhere_is_not_a_duplicate() -> None:
    index = DuplicateIndex()
    index.add([Entry(1, "A1", "金桥小区附近工地夜间施工噪音很大影响休息", "", "金桥小区")])
    same_place = index.query("金桥小区工地夜里施工噪音大影响休息", location="金桥小区")
    other_place = index.query("阳光花园附近工地夜间施工噪音很大影响休息", location="阳光花园")
    assert [c.number for c in same_place] == ["A1"]
    assert other_place == []


def test_an_empty_index_answers_nothing() -> None:
    index = DuplicateIndex()
    index.fit_weights([])
    assert index.query("任何内容") == []
    index.rebuild([])
    assert index.query("任何内容") == []


def test_removed_and_excluded_orders_are_not_suggested() -> None:
    index = DuplicateIndex()
    entries = [Entry(k, f"N{k}", "光明村村口垃圾没人清运", "", "光明村") for k in (1, 2, 3)]
    index.add(entries)
    index.remove([2])
    found = index.query("光明村垃圾没人清运", location="光明村", exclude=[3])
    assert [c.key for c in found] == [1]
    assert len(index) == 2 and 2 not in index
    index.add([entries[0]])  # re-adding replaces, never doubles
    assert len(index.query("光明村垃圾没人清运", location="光明村")) == 2


def test_rebuild_indexes_exactly_the_entries_given() -> None:
    index = DuplicateIndex()
    index.add([Entry(9, "N9", "旧的工单", "", "")])
    index.rebuild(
        [
            Entry(1, "N1", "建设路公交站候车亭玻璃碎了", "", "建设路公交站"),
            Entry(2, "N2", "别的事", "", ""),
        ]
    )
    assert 9 not in index and len(index) == 2
    found = index.query("建设路公交站台候车亭玻璃破碎", location="建设路公交站")
    assert [c.key for c in found] == [1]


def test_orders_older_than_the_window_are_left_out() -> None:
    from datetime import datetime

    old = datetime(2026, 1, 1, tzinfo=UTC)
    index = DuplicateIndex()
    index.add([Entry(1, "N1", "中山路井盖丢了", "", "中山路", created_at=old)])
    assert index.query("中山路井盖丢了", location="中山路")
    assert (
        index.query(
            "中山路井盖丢了",
            location="中山路",
            created_after=datetime(2026, 2, 1, tzinfo=UTC),
        )
        == []
    )


def test_place_similarity_reads_containment_and_unknowns() -> None:
    assert place_similarity("实验小学", "实验小学门口") == 1.0
    assert place_similarity("", "实验小学") is None
    assert place_similarity("中山路", "长江路") == 0.0
    assert place_similarity("解放路与人民路交叉口", "解放路人民路路口") == pytest.approx(4 / 7)


# -- knowledge base --------------------------------------------------------------------------


ARTICLES = [
    Article(1, "居住证办理流程", "办理居住证需携带身份证、居住证明，到户籍所在派出所申请。"),
    Article(
        2, "医保异地就医备案", "参保人员异地就医需先备案，可在国家医保服务平台办理。", "health"
    ),
    Article(
        3,
        "2025年供暖时间",
        "本市2025年供暖期为11月15日至次年3月15日。",
        "heating",
        valid_to=date(2026, 3, 15),
    ),
    Article(4, "供暖不热怎么办", "室温低于18度可拨打供热企业客服电话报修。", "heating"),
]


def test_knowledge_search_finds_and_ranks_articles() -> None:
    index = KnowledgeIndex(ARTICLES)
    hits = index.search("异地看病医保怎么备案", on=date(2026, 11, 27))
    assert hits[0].key == 2
    assert index.search("居住证怎么办", on=date(2026, 11, 27))[0].key == 1


def test_expired_articles_are_not_offered() -> None:
    index = KnowledgeIndex(ARTICLES)
    keys_then = [h.key for h in index.search("供暖", on=date(2025, 12, 1))]
    keys_now = [h.key for h in index.search("供暖", on=date(2026, 11, 27))]
    assert 3 in keys_then
    assert 3 not in keys_now and 4 in keys_now


def test_empty_queries_and_indexes_return_nothing() -> None:
    assert KnowledgeIndex([]).search("供暖", on=date(2026, 1, 1)) == []
    assert KnowledgeIndex(ARTICLES).search("，。！", on=date(2026, 1, 1)) == []
    assert tokenize("供暖不热！") == [t for t in tokenize("供暖不热") if t]
