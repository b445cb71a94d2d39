#!/usr/bin/env python3
# Provenance of the fourth label batch in tests/eval/labels.toml (eighteenth session): the
# sampler its helper ran, kept as run, against labels.toml as it stood at f08f4fd (before the
# batch was appended), so running it now samples from what is left. Reads ../shared only.
"""Blind label sample for the eighteenth session (2026-12-07).

Builds each pool from the read-only copies under /work/shared, keeps the first occurrence of each
text (deterministic file/record order), drops texts already used in
/work/main/tests/eval/labels.toml (case-insensitive, whitespace-trimmed) and texts already taken by an
earlier pool of this batch, shuffles each pool with a fresh random.Random(18), and takes the first N
usable items. Items that are not labels (empty, pure URL) are skipped and logged.
Writes /tmp/fresh18/sample.json (the sampled items, in order) and prints a summary.
"""
import glob
import json
import random
import re
import tomllib

import yaml

SH = "/work/shared"
USED = {l["text"].strip().lower()
        for l in tomllib.load(open("/work/main/tests/eval/labels.toml", "rb"))["label"]}
TAKEN = set()  # texts already in an earlier pool of this batch


def dedup(items):
    """items: list of (text, source) in source order -> first occurrence of each text."""
    seen, out = set(), []
    for text, src in items:
        k = text.strip().lower()
        if k in seen:
            continue
        seen.add(k)
        out.append((text, src))
    return out


def not_a_label(text):
    t = text.strip()
    return t == "" or re.fullmatch(r"https?://\S+", t) is not None


def sample(name, items, n, skipped):
    items = dedup(items)
    before = len(items)
    items = [(t, s) for t, s in items if t.strip().lower() not in USED and t.strip().lower() not in TAKEN]
    random.Random(18).shuffle(items)
    out = []
    for t, s in items:
        if len(out) >= n:
            break
        if not_a_label(t):
            skipped.append((name, t, s))
            continue
        out.append({"pool": name, "text": t, "source": s})
    for o in out:
        TAKEN.add(o["text"].strip().lower())
    print(f"{name}: {before} distinct, {len(items)} unused, took {len(out)}")
    return out


def aiid(tax, what):
    d = json.load(open(f"{SH}/imports/aiid/gmf-annotations.json"))
    items = []
    for iid in sorted(d, key=int):
        for e in d[iid]["taxonomies"].get(tax, []):
            items.append((e["label"], f"aiid gmf-annotations.json incident {iid} {what} label"))
    return items


def avid_descriptions():
    files = sorted(glob.glob(f"{SH}/imports/avid/reports/*/*.json")) + \
        sorted(glob.glob(f"{SH}/imports/avid/vulnerabilities/*/*.json"))
    items = []
    for f in files:
        r = json.load(open(f))
        pt = r.get("problemtype") or {}
        if pt.get("classof") == "CVE Entry":
            continue
        d = pt.get("description")
        if isinstance(d, dict):
            d = d.get("value")
        if d is None or len(d) > 200:
            continue
        rel = f.split("/imports/avid/")[1]
        items.append((d, f"avid {rel} problemtype.description"))
    return items


def avid_sep_view():
    files = sorted(glob.glob(f"{SH}/imports/avid/reports/*/*.json")) + \
        sorted(glob.glob(f"{SH}/imports/avid/vulnerabilities/*/*.json"))
    items = []
    for f in files:
        r = json.load(open(f))
        av = ((r.get("impact") or {}).get("avid") or {})
        rel = f.split("/imports/avid/")[1]
        for s in av.get("sep_view") or []:
            items.append((s, f"avid {rel} impact.avid.sep_view"))
    return items


ATLAS = yaml.safe_load(open(f"{SH}/imports/atlas/dist/ATLAS.yaml"))


def atlas_techniques():
    items = []
    for m in ATLAS["matrices"]:
        for t in m["techniques"]:
            items.append((t["name"], f"atlas dist/ATLAS.yaml technique {t['id']} name"))
    return items


def atlas_targets():
    items = []
    for c in ATLAS["case-studies"]:
        if c.get("target") is not None:
            items.append((c["target"], f"atlas dist/ATLAS.yaml case {c['id']} target"))
    return items


def candidate_domains():
    rows = [json.loads(l) for l in open(f"{SH}/sources/candidate-cases.jsonl")]
    items = [(r["domain"], f"sources/candidate-cases.jsonl {r['slug']} domain") for r in rows if r.get("domain")]
    # subdomains only if the domain values run short (all 150 subdomains turned out to be used already)
    items += [(r["subdomain"], f"sources/candidate-cases.jsonl {r['slug']} subdomain") for r in rows if r.get("subdomain")]
    return items


if __name__ == "__main__":
    skipped = []
    out = []
    # cause: 60 = AIID failure (all 18 unused; gmf-taxonomy.json holds no list of failure values) + 21 AVID + 21 ATLAS
    out += [dict(o, dimension="cause") for o in sample("1a aiid failure", aiid("failure", "failure"), 20, skipped)]
    n_a = sum(1 for o in out if o["pool"] == "1a aiid failure")
    rest = 60 - n_a
    out += [dict(o, dimension="cause") for o in sample("1b avid problemtype.description", avid_descriptions(), (rest + 1) // 2, skipped)]
    out += [dict(o, dimension="cause") for o in sample("1c atlas technique name", atlas_techniques(), rest // 2, skipped)]
    # domain: 20 + 20 + 20
    out += [dict(o, dimension="domain") for o in sample("2a atlas case target", atlas_targets(), 20, skipped)]
    out += [dict(o, dimension="domain") for o in sample("2b aiid task", aiid("task", "task"), 20, skipped)]
    out += [dict(o, dimension="domain") for o in sample("2c candidate domain", candidate_domains(), 20, skipped)]
    # failure mode: up to 30 AVID sep_view values (lifecycle_view skipped)
    out += [dict(o, dimension="failure_mode") for o in sample("3 avid sep_view", avid_sep_view(), 30, skipped)]
    # halves alternate within each dimension, in sampled order
    counters = {}
    for o in out:
        i = counters.get(o["dimension"], 0)
        o["half"] = "tune" if i % 2 == 0 else "report"
        counters[o["dimension"]] = i + 1
    json.dump({"items": out, "skipped": skipped}, open("/tmp/fresh18/sample.json", "w"), indent=1, ensure_ascii=False)
    print("skipped:", skipped)
    print("total", len(out))
