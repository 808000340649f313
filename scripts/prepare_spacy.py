"""Prepare the Dutch spaCy pipeline that config.yml loads from var/spacy_nl.

Uses nl_core_news_sm when it is installed (tokens, lemmas, POS, entities). Otherwise builds
spacy.blank("nl") with the lookup lemmatizer from spacy-lookups-data, which needs no download.
The folder's SOURCE file says which one was used; `make setup` prints it.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import spacy

FULL_MODEL = "nl_core_news_sm"


def build_pipeline() -> tuple:
    try:
        return spacy.load(FULL_MODEL), FULL_MODEL
    except OSError:
        nlp = spacy.blank("nl")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        return nlp, 'spacy.blank("nl") + lookup lemmatizer (fallback)'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", default="var/spacy_nl")
    target = Path(parser.parse_args().target)
    nlp, source = build_pipeline()
    if target.exists():
        shutil.rmtree(target)
    nlp.to_disk(target)
    (target / "SOURCE").write_text(source + "\n", encoding="utf-8")
    print(f"Dutch spaCy pipeline: {source} -> {target}")


if __name__ == "__main__":
    main()
