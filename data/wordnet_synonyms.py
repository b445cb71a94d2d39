#!/usr/bin/env python3
"""Writes data/synonyms.tsv from WordNet 3.0 (Debian's wordnet-base, /usr/share/wordnet).

Each line is a single word, a tab, and the single-word synonyms of its most common senses
(WordNet orders a word's senses by frequency in its tagged corpus), space-separated; a word
with none has an empty list, and an irregular form (the .exc files: "mice", "worse") lists
its base forms. Every WordNet word is listed, so search can tell a real word from a typo
(regular inflections, "desks" or "safer", are undone by WordNet's own detachment rules). Only the
first SENSES senses of each part of speech are read, so rare senses ("slip" as a cutting for
planting) do not bring in unrelated words. Search treats these as weak alternatives of the
typed word (see ARCHITECTURE.md, "Queries"). Licence: WordNet 3.0 (see data/LICENSE-WordNet).

Usage (apt install wordnet-base): python3 data/wordnet_synonyms.py [/usr/share/wordnet] > data/synonyms.tsv
"""
import re
import sys
from collections import defaultdict

SENSES = 2
POS = ["noun", "verb", "adj", "adv"]
WORD = re.compile(r"^[a-z][a-z-]*[a-z]$")


def synsets(root, pos):
    words = {}
    with open(f"{root}/data.{pos}", encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            parts = line.split()
            offset, count = parts[0], int(parts[3], 16)
            words[offset] = [parts[4 + 2 * i].lower().split("(")[0] for i in range(count)]
    return words


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
    out = defaultdict(list)
    for pos in POS:
        sets = synsets(root, pos)
        with open(f"{root}/index.{pos}", encoding="latin-1") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                parts = line.split()
                lemma = parts[0]
                if not WORD.match(lemma):
                    continue
                n_senses = int(parts[2])
                offsets = parts[-n_senses:][:SENSES]
                for off in offsets:
                    for w in sets.get(off, []):
                        if w != lemma and WORD.match(w) and w not in out[lemma]:
                            out[lemma].append(w)
                # Every word is listed, with no synonyms if it has none: search
                # takes a listed word for a real word, never a misspelling.
                out[lemma]
    # Irregular forms ("mice", "worse") are words too; their base forms are their synonyms.
    for pos in POS:
        with open(f"{root}/{pos}.exc", encoding="latin-1") as f:
            for line in f:
                inflected, *bases = line.split()
                if not WORD.match(inflected):
                    continue
                for b in bases:
                    if b != inflected and WORD.match(b) and b not in out[inflected]:
                        out[inflected].append(b)
    for lemma in sorted(out):
        print(f"{lemma}\t{' '.join(out[lemma])}")


if __name__ == "__main__":
    main()
