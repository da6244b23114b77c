"""Tiny fixtures for the language-model tests: a small mixed corpus, a tokenizer and a micro model trained once."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = [
    "这个手机很好用，电池很耐用，拍照也清晰。",
    "物流太慢了，等了一个星期才到，包装还破了。",
    "衣服质量不错，尺码合适，颜色和图片一样。",
    "酒店位置很好，服务态度热情，早餐丰富。",
    "书的内容很精彩，印刷清楚，值得一读。",
    "水果新鲜，甜度高，下次还会再买。",
    "客服回复很快，问题解决了，满意！",
    "The phone is great, battery lasts two days 👍",
    "Terrible packaging, the box was crushed.",
    "洗发水味道好闻，用了头发很顺滑 😀",
    "电脑运行速度快，屏幕显示效果好，就是有点重。",
    "热水器安装师傅很专业，加热很快。",
    "联系电话 <PHONE> 已打码，商家态度很好。",
    "牛奶口感醇厚，孩子很喜欢喝。",
    "平板电脑玩游戏不卡，音质一般。",
    "价格实惠 cheap and good, 推荐购买。",
]


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models on a shared 2-core machine: one thread avoids OpenMP spin-waiting against other processes."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def make_corpus(repeat: int = 8) -> list[str]:
    # Vary the documents a little so packing and splitting see many distinct texts.
    return [f"{text}{i}" if i % 3 else text for i in range(repeat) for text in BASE]


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return make_corpus()


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory, corpus: list[str]) -> Path:
    from koubei.lm import train_tokenizer

    out = tmp_path_factory.mktemp("tok")
    train_tokenizer(corpus, 400, out)
    return out


@pytest.fixture(scope="session")
def micro_model_dir(tmp_path_factory: pytest.TempPathFactory, corpus: list[str], tokenizer_dir: Path) -> Path:
    """A micro model (2 layers, width 32) trained for 100 steps on the tiny corpus: memorizes part of it."""
    import shutil

    from koubei.lm import train_lm

    out = tmp_path_factory.mktemp("micro")
    shutil.copy(tokenizer_dir / "tokenizer.json", out / "tokenizer.json")
    shutil.copy(tokenizer_dir / "tokenizer_config.json", out / "tokenizer_config.json")
    train_lm(
        corpus,
        out,
        preset_name="micro",
        max_steps=100,
        batch_size=8,
        context_length=32,
        learning_rate=1e-2,
        warmup_steps=5,
        eval_interval=30,
        checkpoint_interval=30,
        val_fraction=0.1,
        seed=0,
        threads=1,
    )
    return out
