"""generated_content drafts on SQLite and PostgreSQL: save, list, approve/reject; product evidence from reviews."""

from __future__ import annotations

import pytest

from koubei.errors import BadInputError, NotFoundError
from koubei.store.content import get_content, list_content, product_evidence, save_content, set_status
from tests.generation.copy_fixtures import add_product


def test_drafts_are_saved_listed_and_reviewed(store) -> None:
    first = save_content(
        store,
        "copy",
        "文案一",
        product_id="P1",
        input_data={"attributes": [["类型", "上衣"]]},
        provenance={"claims": []},
        guard={"passed": True, "flags": []},
        model="copy-model@1:abc",
    )
    second = save_content(store, "reply", "回复一")
    rows = list_content(store)
    assert [r["id"] for r in rows] == [second, first]
    assert (
        rows[1]["status"] == "draft"
        and rows[1]["input"] == {"attributes": [["类型", "上衣"]]}
        and rows[1]["passed"] is True
    )
    done = set_status(store, first, "approved", "alice")
    assert done["status"] == "approved" and done["reviewed_by"] == "alice" and done["updated_at"] is not None
    assert [r["id"] for r in list_content(store, status="approved")] == [first]
    assert [r["id"] for r in list_content(store, kind="reply")] == [second]
    assert get_content(store, second)["status"] == "draft"
    with pytest.raises(NotFoundError, match="999"):
        set_status(store, 999, "rejected")
    with pytest.raises(BadInputError, match="status"):
        set_status(store, first, "published")


def test_product_evidence_ranks_praised_aspects_with_review_ids(store) -> None:
    add_product(store, "P1", [("r1", "质量很好，做工精细"), ("r2", "质量不错，物流太慢"), ("r3", "价格实惠")])
    ev = product_evidence(store, "P1")
    assert ev.title == "白色棉质上衣" and ev.attributes == [("类型", "上衣"), ("颜色", "白色")]
    assert ev.praise[0].aspect == "quality" and ev.praise[0].review_ids == ("r1", "r2")
    assert "logistics" not in [p.aspect for p in ev.praise]
    with pytest.raises(NotFoundError, match="NOPE"):
        product_evidence(store, "NOPE")


def test_migration_0002_keeps_existing_rows_and_downgrades(db_url: str) -> None:
    from sqlalchemy import text

    from koubei.store import Store
    from koubei.store.migrate import downgrade, upgrade

    with Store.open(db_url, upgrade=False) as store:
        upgrade(store.engine, "0001")
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO generated_content (kind, text, provenance, ai_generated) "
                    "VALUES ('copy', 'old draft', '{}', 1)"
                )
            )
        assert [m.revision for m in upgrade(store.engine, "0002").applied] == ["0002"]
        row = list_content(store)[0]
        assert (row["text"], row["status"], row["input"], row["guard"]) == ("old draft", "draft", {}, {})
        assert [m.revision for m in downgrade(store.engine, "0001").applied] == ["0002"]
        with store.engine.begin() as conn:
            assert conn.execute(text("SELECT text FROM generated_content")).scalar_one() == "old draft"
