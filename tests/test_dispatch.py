"""Smart dispatch through the database and the API: catalogue versions, suggestions recorded
and overridden, duplicates, knowledge answers, training from confirmed dispatches, the CLI."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from hotline import clock
from hotline.accounts.models import User
from hotline.dispatch import selectors, services
from hotline.domain.dispatch import classifier
from hotline.domain.lifecycle import Action, GuardFailed, State
from hotline.reference import selectors as reference
from hotline.reference import services as reference_services
from hotline.reference.models import Area, CatalogueEntry, KnowledgeArticle
from hotline.workorders import services as orders
from hotline.workorders.models import WorkOrder
from tests.common.factories import CategoryFactory
from tests.common.second_factor import force_login_verified
from tests.common.world import World
from tests.domain.test_dispatch import SYNTHETIC, synthetic
from tests.test_api import Api
from tests.test_cli import hotline

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(world: World) -> World:
    """Two more categories, a district with a street, and a catalogue."""
    CategoryFactory(code="water", name="供水")
    CategoryFactory(code="traffic", name="交通")
    district = Area.objects.create(code="district-a", name="A区")
    Area.objects.create(code="street-a1", name="A1街道", parent=district)
    reference_services.catalogue_entry_save(actor="admin", category="noise", lead_unit="chengguan")
    reference_services.catalogue_entry_save(
        actor="admin",
        category="noise",
        area="street-a1",
        lead_unit="lvhua",
        assist_units=["zhujian"],
    )
    reference_services.catalogue_entry_save(actor="admin", category="water", lead_unit="zhujian")
    return world


@pytest.fixture
def served_model(city: World) -> classifier.TextClassifier:
    """A model at the path the API serves, trained on labels that are category codes."""
    model = classifier.train(*synthetic())
    path = Path(settings.HOTLINE_DISPATCH["model"])
    model.save(path)
    yield model
    path.unlink(missing_ok=True)
    classifier.metadata_path(path).unlink(missing_ok=True)


# -- catalogue --------------------------------------------------------------------------------


def test_a_catalogue_change_writes_a_new_version(city: World) -> None:
    first = CatalogueEntry.objects.get(category="noise", area="", is_current=True)
    second = reference_services.catalogue_entry_save(
        actor="admin", category="noise", lead_unit="zhujian"
    )
    first.refresh_from_db()
    assert (first.version, first.is_current, first.retired_by) == (1, False, "admin")
    assert (second.version, second.is_current, second.lead_unit) == (2, True, "zhujian")
    same = reference_services.catalogue_entry_save(
        actor="admin", category="noise", lead_unit="zhujian"
    )
    assert same.pk == second.pk  # nothing changed: no new version


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"area": "nowhere"}, "area"),
        ({"lead_unit": "ghost"}, "lead_unit"),
        ({"lead_unit": "center"}, "lead_unit"),
        ({"assist_units": ["chengguan"]}, "assist_units"),
    ],
)
def test_bad_catalogue_entries_name_the_field(city: World, change: dict, field: str) -> None:
    before = CatalogueEntry.objects.count()
    entry = {"category": "noise", "lead_unit": "chengguan", **change}
    with pytest.raises(GuardFailed) as failed:
        reference_services.catalogue_entry_save(actor="admin", **entry)
    assert failed.value.field == field
    assert CatalogueEntry.objects.count() == before


def test_the_street_entry_beats_the_city_entry(city: World) -> None:
    assert reference.catalogue_route(category="noise", area="street-a1").lead_unit == "lvhua"
    assert reference.catalogue_route(category="noise", area="district-a").lead_unit == "chengguan"
    assert reference.catalogue_route(category="traffic") is None


def test_dispatch_records_the_catalogue_entry_it_followed(city: World) -> None:
    order = city.create(area="street-a1")
    orders.workorder_dispatch(actor=city.dispatcher, order=order, to_unit="lvhua")
    event = order.events.get(action=Action.DISPATCH)
    entry = CatalogueEntry.objects.get(category="noise", area="street-a1")
    assert event.data["catalogue"] == {
        "entry": entry.pk,
        "version": 1,
        "followed": True,
        "lead_unit": "lvhua",
    }


def test_dispatch_against_the_catalogue_and_reclassification_are_recorded(city: World) -> None:
    order = city.create()
    orders.workorder_dispatch(
        actor=city.dispatcher, order=order, to_unit="chengguan", category="water"
    )
    order.refresh_from_db()
    event = order.events.get(action=Action.DISPATCH)
    assert order.category == "water"
    assert event.data["category"] == "water"
    assert event.data["catalogue"]["followed"] is False
    assert event.data["catalogue"]["lead_unit"] == "zhujian"
    with pytest.raises(GuardFailed, match="category"):
        orders.workorder_dispatch(
            actor=city.dispatcher, order=city.create(), to_unit="chengguan", category="nope"
        )


def test_unknown_area_is_refused_at_intake(city: World) -> None:
    with pytest.raises(GuardFailed, match="area"):
        city.create(area="atlantis")


def test_admin_edits_write_versions(city: World) -> None:
    client = force_login_verified(
        Client(), User.objects.create_superuser(username="root", password="x")
    )
    entry = CatalogueEntry.objects.get(category="water", is_current=True)
    response = client.post(
        f"/admin/reference/catalogueentry/{entry.pk}/change/",
        {
            "category": "water",
            "area": "",
            "lead_unit": "chengguan",
            "assist_units": "lvhua, zhujian",
        },
    )
    assert response.status_code == 302
    versions = list(CatalogueEntry.objects.filter(category="water").order_by("version"))
    assert [(v.version, v.is_current, v.lead_unit) for v in versions] == [
        (1, False, "zhujian"),
        (2, True, "chengguan"),
    ]
    assert versions[1].assist_units == ["lvhua", "zhujian"]
    bad = client.post(
        "/admin/reference/catalogueentry/add/",
        {"category": "water", "area": "", "lead_unit": "ghost", "assist_units": ""},
    )
    assert bad.status_code == 200 and "unknown or inactive unit" in bad.content.decode()
    assert CatalogueEntry.objects.filter(category="water").count() == 2


# -- suggestions ------------------------------------------------------------------------------


def test_intake_records_the_suggestions_shown(served_model: classifier.TextClassifier) -> None:
    agent = User.objects.get(username="agent")
    text = "夜间施工噪音太大"
    order = orders.workorder_create(
        actor=agent,
        channel="phone",
        kind="complaint",
        category="noise",
        text=text,
        suggested=selectors.recorded_suggestions(text),  # what the intake screen showed
    )
    suggested = order.events.get(action=Action.CREATE).data["suggested"]
    assert len(suggested) == 3
    assert suggested[0]["category"] == "noise"
    assert suggested[0]["score"] >= suggested[1]["score"]


def test_no_model_means_no_suggestions_and_intake_still_works(city: World) -> None:
    order = city.create()
    assert "suggested" not in order.events.get(action=Action.CREATE).data
    assert selectors.category_suggestions(text="噪音") == []


def test_suggestions_carry_the_catalogue_route(served_model: classifier.TextClassifier) -> None:
    found = selectors.category_suggestions(text="工地夜间施工噪音扰民", area="street-a1")
    assert found[0]["category"] == "noise"
    assert found[0]["route"]["lead_unit"] == "lvhua"
    assert found[0]["route"]["assist_units"] == ["zhujian"]
    traffic = next(s for s in found if s["category"] == "traffic")
    assert traffic["route"] is None


def test_training_from_the_database_uses_confirmed_dispatches(
    served_model: classifier.TextClassifier, tmp_path: Path
) -> None:
    agent, dispatcher = User.objects.get(username="agent"), User.objects.get(username="dispatcher")
    for category, samples in SYNTHETIC.items():
        for text in samples:
            shown = "noise" if category == "traffic" else category  # intake picks noise…
            order = orders.workorder_create(
                actor=agent,
                channel="phone",
                kind="complaint",
                category=shown,
                text=text,
                suggested=selectors.recorded_suggestions(text),
            )
            # …and the dispatcher corrects it: the label the model learns is the final one.
            orders.workorder_dispatch(
                actor=dispatcher, order=order, to_unit="chengguan", category=category
            )
    orders.workorder_create(
        actor=agent,
        channel="phone",
        kind="help",
        category="water",
        text="未派",
        suggested=selectors.recorded_suggestions("未派"),
    )
    model = services.dispatch_model_train_from_db(path=tmp_path / "db.joblib")
    assert model.info.training_rows == 18
    assert model.info.label_counts == {"noise": 6, "traffic": 6, "water": 6}
    overrides = model.info.scores["overrides"]
    assert overrides["suggested"] == 19
    assert overrides["overridden"] >= 6
    assert overrides["corrected_at_dispatch"] == 6


# -- duplicates and knowledge through the API -------------------------------------------------


def assist(api: Api, **body: str) -> dict:
    response = api.post("/dispatch/assist", {"text": "x", **body})
    assert response.status_code == 200, response.content
    return response.json()


def test_one_call_gives_suggestions_duplicates_and_knowledge(
    served_model: classifier.TextClassifier,
) -> None:
    world_agent = Api(User.objects.get(username="agent"))
    first = orders.workorder_create(
        actor=User.objects.get(username="agent"),
        channel="phone",
        kind="complaint",
        category="noise",
        text="阳光花园旁工地每天夜里施工到凌晨，打桩机噪音扰民",
        location="阳光花园",
        caller_phone="13800000005",
    )
    article = reference_services.knowledge_article_save(
        title="夜间施工噪音投诉处理",
        body="夜间22时至次日6时禁止产生噪声的建筑施工作业。",
        category="noise",
    )
    body = assist(
        world_agent,
        text="阳光花园小区旁边工地夜间施工，晚上十二点还在打桩，噪音太大",
        location="阳光花园",
        area="street-a1",
    )
    assert body["suggestions"][0]["category"] == "noise"
    assert body["suggestions"][0]["route"]["lead_unit"] == "lvhua"
    assert [d["number"] for d in body["duplicates"]] == [first.number]
    assert "place 1.00" in body["duplicates"][0]["reasons"]
    assert body["knowledge"][0]["id"] == article.pk


def test_duplicates_follow_orders_as_they_open_and_close(city: World) -> None:
    api = Api(city.dispatcher)
    text = "光明村村口的垃圾堆放点好几天没人清运，垃圾堆成小山"
    first = city.create(text=text, location="光明村")
    assert [d["number"] for d in assist(api, text=text, location="光明村")["duplicates"]] == [
        first.number
    ]
    second = city.create(text=text + "，气味难闻", location="光明村")
    orders.workorder_merge(actor=city.dispatcher, order=second, into=first.number)
    found = assist(api, text=text, location="光明村")["duplicates"]
    assert [d["number"] for d in found] == [first.number]  # the merged one left the index
    by_order = api.get(f"/orders/{first.number}/assist").json()
    assert by_order["duplicates"] == []  # an order is not its own duplicate


def test_old_orders_are_outside_the_duplicate_window(city: World) -> None:
    old = clock.now() - timedelta(days=45)
    with clock.frozen_at(old):
        city.create(text="中山路人行道井盖丢了留下大坑", location="中山路")
    assert (
        assist(Api(city.agent), text="中山路人行道井盖丢了", location="中山路")["duplicates"] == []
    )


def test_intake_assistant_is_for_center_staff(city: World) -> None:
    for user in (city.handler_a, city.citizen, city.supervisor):
        response = Api(user).post("/dispatch/assist", {"text": "噪音"})
        assert response.status_code == 403
    assert Api(city.handler_a).get("/knowledge/search?q=噪音").status_code == 200
    assert Api(city.citizen).get("/knowledge/search?q=噪音").status_code == 403
    order = city.walk(city.create(), State.HANDLING)
    assert Api(city.handler_b).get(f"/orders/{order.number}/assist").status_code == 404
    assert Api(city.handler_a).get(f"/orders/{order.number}/assist").status_code == 403


def test_answer_directly_cites_an_article_in_force(city: World) -> None:
    current = reference_services.knowledge_article_save(
        title="居住证办理", body="携带身份证到派出所办理"
    )
    expired = reference_services.knowledge_article_save(
        title="旧政策", body="已废止", valid_from=date(2020, 1, 1), valid_to=date(2020, 12, 31)
    )
    api = Api(city.agent)
    stale = city.create(kind="consult", text="居住证怎么办")
    response = api.post(
        f"/orders/{stale.number}/answer_directly", {"answer": "见旧政策", "article": expired.pk}
    )
    assert response.status_code == 422
    assert "article" in json.dumps(response.json(), ensure_ascii=False)
    assert WorkOrder.objects.get(pk=stale.pk).state == State.RECEIVED
    response = api.post(
        f"/orders/{stale.number}/answer_directly", {"answer": "携带身份证", "article": current.pk}
    )
    assert response.status_code == 200
    assert response.json()["timeline"][-1]["data"]["article"] == current.pk


def test_knowledge_search_and_article_reads(city: World) -> None:
    article = reference_services.knowledge_article_save(
        title="医保异地就医备案", body="参保人员异地就医需先备案", category="noise"
    )
    KnowledgeArticle.objects.create(title="停用的医保文章", body="医保", is_active=False)
    api = Api(city.handler_a)
    hits = api.get("/knowledge/search?q=异地就医怎么备案").json()
    assert [h["id"] for h in hits] == [article.pk]
    assert api.get(f"/knowledge/articles/{article.pk}").json()["title"] == "医保异地就医备案"
    assert api.get("/knowledge/articles/999999").status_code == 404
    assert api.get("/knowledge/search?q=").status_code == 422


def test_route_lookup(city: World) -> None:
    api = Api(city.dispatcher)
    assert api.get("/dispatch/route?category=noise&area=street-a1").json()["lead_unit"] == "lvhua"
    missing = api.get("/dispatch/route?category=traffic")
    assert missing.status_code == 404 and "traffic" in missing.json()["detail"]


# -- the CLI ----------------------------------------------------------------------------------


def write_messages(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject", "detail", "label"])
        for label, samples in SYNTHETIC.items():
            for text in samples:
                writer.writerow([text[:6], text, label])
    return path


def test_cli_train_then_predict(tmp_path: Path) -> None:
    data = write_messages(tmp_path / "messages.csv")
    model = tmp_path / "model.joblib"
    args = ["--input", str(data), "--text-column", "subject", "--text-column", "detail"]
    done = hotline(
        "dispatch", "train", *args, "--label-column", "label", "--model", str(model), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "trained on 18 rows, 3 labels" in done.stdout
    out = tmp_path / "out.csv"
    done = hotline(
        "dispatch", "predict", "--model", str(model), *args, "--output", str(out), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["row"] for r in rows] == [str(i) for i in range(1, 19)]
    right = sum(r["label_1"] == label for r, label in zip(rows, synthetic()[1], strict=True))
    assert right >= 16
    assert all(float(r["score_1"]) >= float(r["score_2"]) >= float(r["score_3"]) for r in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text-column", "nope", "--label-column", "label"], "no column 'nope'"),
        (["--text-column", "subject"], "--label-column"),
    ],
)
def test_cli_train_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    data = write_messages(tmp_path / "m.csv")
    done = hotline(
        "dispatch", "train", "--input", str(data), *args, "--model", "m.joblib", cwd=tmp_path
    )
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m.joblib").exists()


def test_cli_predict_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    cases = [
        (["--model", "missing.joblib", "--input", "empty.csv"], "no model at"),
    ]
    data = write_messages(tmp_path / "m.csv")
    model = tmp_path / "model.joblib"
    classifier.train(*synthetic()).save(model)
    cases.append((["--model", str(model), "--input", "empty.csv"], "empty file"))
    cases.append(
        (["--model", str(model), "--input", str(data), "--text-column", "x"], "no column 'x'")
    )
    for args, message in cases:
        if "--text-column" not in args:
            args = [*args, "--text-column", "subject"]
        done = hotline("dispatch", "predict", *args, "--output", "o.csv", cwd=tmp_path)
        assert done.returncode == 2, done.stdout
        assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
