#!/usr/bin/env python3
"""Writes tests/vectors/calc/{vat,alloc,split}/*.json for fiskal-calc.

(tests/vectors/calc/lifecycle/ is written by hand: see its README.md.)

The expected values are computed here, independently of the Rust code, from the rules stated in
the vectors' READMEs (integer kopecks, fractions, half-up rounding, largest remainder, greedy
split over an explicit TLV byte model). The Rust test `crates/fiskal-calc/tests/vectors.rs` then
checks that fiskal-calc agrees. Run from the repository root:

    python3 crates/fiskal-calc/tools/gen_vectors.py

Standard library only. Output is deterministic (sorted keys are not used: the field order below
is the documented one).
"""

import json
import os
from fractions import Fraction

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "vectors", "calc")

# name -> (1199 code, percent r or None for 0 % / без НДС)
RATES = {
    "vat20": (1, 20), "vat10": (2, 10), "vat120": (3, 20), "vat110": (4, 10),
    "vat0": (5, None), "none": (6, None), "vat5": (7, 5), "vat7": (8, 7),
    "vat105": (9, 5), "vat107": (10, 7), "vat22": (11, 22), "vat122": (12, 22),
}
RATE_ORDER = sorted(RATES, key=lambda n: RATES[n][0])


def kop(s):
    """'12.34' -> 1234 (exact)."""
    f = Fraction(s) * 100
    assert f.denominator == 1 and f >= 0, s
    return int(f)


def rub(k):
    return f"{k // 100}.{k % 100:02d}"


def rnd(n, d, rule="half_up"):
    """n/d rounded to an integer, n >= 0, d > 0."""
    q, r = divmod(n, d)
    if rule == "half_up":
        return q + (1 if 2 * r >= d else 0)
    if rule == "down":
        return q
    if rule == "half_even":
        return q + (1 if (2 * r > d or (2 * r == d and q % 2 == 1)) else 0)
    raise ValueError(rule)


def vat_of(rate, s, rule="half_up"):
    r = RATES[rate][1]
    return 0 if r is None else rnd(s * r, 100 + r, rule)


def write(folder, name, obj):
    path = os.path.join(ROOT, folder, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


# ---------------------------------------------------------------- VAT

def gen_vat():
    sums = [kop("100.00"), 1, 3, kop("999.99"), kop("1999.90")]
    write("vat", "001_every_rate.json", {
        "description": "VAT = sum × r/(100+r), half-up per item, for all twelve 1199 values on a few sums.",
        "item_vat": [{"vat": n, "sum": rub(s), "vat_sum": rub(vat_of(n, s))} for n in RATE_ORDER for s in sums],
    })
    rows = []
    # 20/120 = 1/6: sums ≡ 3 (mod 6) land exactly on .5 kopeck; the other rates never do.
    for s in [3, 9, 15, 603, 2, 4]:
        for rule in ["half_up", "half_even", "down"]:
            rows.append({"vat": "vat20", "sum": rub(s), "rounding": rule, "vat_sum": rub(vat_of("vat20", s, rule))})
    # Closest approaches to a half for the other rates (remainder nearest d/2).
    for rate in ["vat10", "vat5", "vat7", "vat22", "vat110", "vat105", "vat107", "vat122"]:
        r = RATES[rate][1]
        d = 100 + r
        best = min(range(1, 3000), key=lambda s: (abs(2 * ((s * r) % d) - d), s))
        below = min((s for s in range(1, 3000) if 2 * ((s * r) % d) < d),
                    key=lambda s: (d - 2 * ((s * r) % d), s))
        for s in sorted({best, below}):
            rows.append({"vat": rate, "sum": rub(s), "rounding": "half_up", "vat_sum": rub(vat_of(rate, s))})
    write("vat", "002_half_up_edges.json", {
        "description": "Rounding edges: exact halves (only 20 % and 20/120 have them: sum ≡ 3 mod 6) "
                       "under each rule, and for the other rates the sums whose remainder is closest to a half.",
        "item_vat": rows,
    })

    items = [("vat20", "1999.90"), ("vat20", "0.03"), ("vat10", "55.55"), ("vat120", "1000.00"),
             ("vat110", "110.00"), ("vat0", "12.34"), ("none", "50.00"), ("none", "0.01"),
             ("vat5", "105.00"), ("vat7", "10.70"), ("vat105", "1.00"), ("vat107", "999.99"),
             ("vat22", "4990.00"), ("vat22", "599.70"), ("vat122", "1000.00")]
    per = {}
    for rate, s in items:
        k = kop(s)
        a = per.setdefault(rate, [0, 0])
        a[0] += k
        a[1] += vat_of(rate, k)
    vt = {}
    for rate, key, what in [("vat20", "vat20", 1), ("vat10", "vat10", 1), ("vat0", "vat0_sum", 0),
                            ("none", "no_vat_sum", 0), ("vat120", "vat120", 1), ("vat110", "vat110", 1)]:
        if rate in per:
            vt[key] = rub(per[rate][what])
    write("vat", "003_receipt_totals.json", {
        "description": "Receipt totals: per item half-up, then summed per rate; 1102–1107 only for "
                       "20 %, 10 %, 0 %, без НДС, 20/120, 10/110; 5 %, 7 %, 22 % only per rate.",
        "receipt": {
            "items": [{"vat": r, "sum": s} for r, s in items],
            "per_rate": [{"vat": r, "sum": rub(per[r][0]), "vat_sum": rub(per[r][1])} for r in RATE_ORDER if r in per],
            "vat_totals": vt,
        },
    })

    ng = []
    for rate, net, rule in [("vat20", "1000.00", "half_up"), ("vat22", "10.03", "half_up"),
                            ("vat22", "10.03", "down"), ("vat10", "0.05", "half_up"),
                            ("vat10", "0.05", "half_even"), ("vat10", "0.15", "half_even"),
                            ("vat5", "333.33", "half_up"), ("vat7", "14.29", "half_up"),
                            ("vat122", "100.00", "half_up"), ("vat0", "77.77", "half_up"),
                            ("none", "77.77", "half_up")]:
        n = kop(net)
        r = RATES[rate][1]
        v = 0 if r is None else rnd(n * r, 100, rule)
        ng.append({"vat": rate, "net": net, "rounding": rule, "vat_sum": rub(v), "gross": rub(n + v)})
    write("vat", "004_net_to_gross.json", {
        "description": "Net → gross: VAT = net × r/100 rounded by the named rule, gross = net + VAT.",
        "net_to_gross": ng,
    })

    dates = []
    periods = {
        "vat20": (None, "2026-01-04"), "vat120": (None, "2026-01-04"),
        "vat5": ("2025-01-01", None), "vat7": ("2025-01-01", None),
        "vat105": ("2025-01-01", None), "vat107": ("2025-01-01", None),
        "vat22": ("2026-01-05", None), "vat122": ("2026-01-05", None),
    }
    for rate in RATE_ORDER:
        for d in ["2024-12-31", "2025-01-01", "2026-01-04", "2026-01-05"]:
            frm, until = periods.get(rate, (None, None))
            w = None
            if frm and d < frm:
                w = "not_yet_valid"
            elif until and d > until:
                w = "no_longer_valid"
            dates.append({"vat": rate, "date": d, "warning": w})
    write("vat", "005_rate_periods.json", {
        "description": "Rate periods: 5/7 % (and 5/105, 7/107) from 2025-01-01; 22 % and 22/122 from "
                       "2026-01-05 (ЕД-7-20/1050@); 20 % and 20/120 until 2026-01-04. Outside → a warning.",
        "rate_dates": dates,
    })


# ---------------------------------------------------------------- allocation

def largest_remainder(weights, amount):
    total = sum(weights)
    if total == 0:
        assert amount == 0
        return [0] * len(weights)
    shares = [amount * w // total for w in weights]
    rems = sorted(((amount * w) % total, i) for i, w in enumerate(weights))
    rems = sorted(((-r, i) for r, i in rems if r > 0))
    for _, i in rems[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def split_integer(s, n):
    p, k = divmod(s, n)
    out = [(n - k, p)]
    if k:
        out.append((k, p + 1))
    return out


def round_times(p, q):
    return rnd((p * q).numerator, (p * q).denominator) if (p * q).denominator != 1 else int(p * q)


def price_for(s, q):
    lo = int(Fraction(s) / q)  # floor (positive)
    best = None
    for p in (lo, lo + 1):
        diff = abs(s - round_times(p, q))
        if best is None or diff < best[1]:
            best = (p, diff)
    return best


def fmt_q(q):
    if q.denominator == 1:
        return str(q.numerator)
    s = f"{float(q):.10f}".rstrip("0")  # q has at most 6 decimals here
    assert Fraction(s) == q
    return s


def reprice(q, s, policy):
    """Lines (quantity, price, sum) for quantity q (Fraction) and new sum s."""
    if q.denominator == 1:
        return [(Fraction(u), p, u * p) for u, p in split_integer(s, int(q))]
    p, diff = price_for(s, q)
    ok = diff <= 1 if policy in ("nearest_price", "nearest_price_or_split") else diff == 0
    if ok:
        return [(q, p, s)]
    if policy == "nearest_price":
        return "line_unpriceable"
    n = int(q)
    f = q - n
    pf = int(Fraction(s) / q)
    sf = round_times(pf, f)
    out = [(Fraction(u), pp, u * pp) for u, pp in split_integer(s - sf, n)] if n else []
    out.append((f, pf, sf))
    return out


def alloc_case(items, adj, policy="nearest_price_or_split", rounding="half_up"):
    sums = [kop(it["sum"]) for it in items]
    excl = [bool(it.get("excluded")) for it in items]
    e = sum(s for s, x in zip(sums, excl) if not x)
    x = sum(s for s, x_ in zip(sums, excl) if x_)
    kind, val = adj["kind"], adj["value"]
    if kind == "discount":
        d, a = "discount", kop(val)
    elif kind == "markup":
        d, a = "markup", kop(val)
    elif kind in ("discount_percent", "markup_percent"):
        v = Fraction(val) * e / 100
        a = rnd(v.numerator, v.denominator, rounding)
        d = kind.split("_")[0]
    else:
        t = kop(val)
        if t < x:
            return {"code": "target_below_excluded"}
        d, a = ("discount", e - (t - x)) if t - x < e else ("markup", t - x - e)
    if a == 0:
        d = "none"
    if a > 0 and e == 0:
        return {"code": "nothing_eligible"}
    if d == "discount" and a > e:
        return {"code": "discount_too_large"}
    shares = largest_remainder([0 if ex else s for s, ex in zip(sums, excl)], a)
    new = [s + sh if d == "markup" else s - sh for s, sh in zip(sums, shares)]
    if sum(new) == 0:
        return {"code": "zero_total"}
    lines = []
    for i, (it, old, nw) in enumerate(zip(items, sums, new)):
        q = Fraction(it["quantity"])
        if old == nw:
            lines.append({"source": i, "quantity": it["quantity"], "price": it["price"], "sum": it["sum"]})
            continue
        ls = reprice(q, nw, policy)
        if isinstance(ls, str):
            return {"code": ls}
        if len(ls) > 1 and it.get("marked"):
            return {"code": "marked_line_split"}
        for lq, lp, lsum in ls:
            lines.append({"source": i, "quantity": fmt_q(lq), "price": rub(lp), "sum": rub(lsum)})
    for ln in lines:  # every line within the register tolerance
        assert abs(kop(ln["sum"]) - round_times(kop(ln["price"]), Fraction(ln["quantity"]))) <= 1, ln
    assert sum(kop(ln["sum"]) for ln in lines) == sum(new)
    return {"amount": rub(a), "direction": d, "total": rub(sum(new)),
            "item_sums": [rub(v) for v in new], "lines": lines}


def it(price, qty, s, **kw):
    d = {"price": price, "quantity": qty, "sum": s}
    d.update(kw)
    return d


def gen_alloc():
    cases = [
        ("001_one_line_three_units_for_100", "One line of 3 × 40.00 brought to a 100.00 total: "
         "2 × 33.33 + 1 × 33.34.", [it("40.00", "3", "120.00")],
         {"kind": "target_total", "value": "100.00"}, {}),
        ("002_three_items_for_100", "Three equal items brought to 100.00: equal remainders, "
         "so the lower indices get the extra kopeck of discount (33.33, 33.33, 33.34).",
         [it("40.00", "1", "40.00"), it("40.00", "1", "40.00"), it("40.00", "1", "40.00")],
         {"kind": "target_total", "value": "100.00"}, {}),
        ("003_proportional_with_exclusion", "10.00 off two of three lines (the third excluded): "
         "6.67 and 3.33 by largest remainder.",
         [it("100.00", "1", "100.00"), it("50.00", "1", "50.00"), it("300.00", "1", "300.00", excluded=True)],
         {"kind": "discount", "value": "10.00"}, {}),
        ("004_fractional_remainder_split", "0.02 off 8.30 × 0.625 (= 5.19) and 21.99 × 47.8 (= 1051.12): "
         "1051.10 has no single price within a kopeck, so the line is split (default policy).",
         [it("8.30", "0.625", "5.19"), it("21.99", "47.8", "1051.12")],
         {"kind": "discount", "value": "0.02"}, {}),
        ("005_fractional_nearest_price_fails", "The same with policy nearest_price: an error.",
         [it("8.30", "0.625", "5.19"), it("21.99", "47.8", "1051.12")],
         {"kind": "discount", "value": "0.02"}, {"fractional_policy": "nearest_price"}),
        ("006_fractional_exact_or_split", "2.5 × 4.00 marked up to 10.01: 4.00 is within a kopeck "
         "but not exact, so exact_or_split splits 0.5 off at 4.00 and shares 8.01 over 2 units.",
         [it("4.00", "2.5", "10.00")], {"kind": "markup", "value": "0.01"},
         {"fractional_policy": "exact_or_split"}),
        ("007_fractional_nearest_price_ok", "The same with the default policy: one line at 4.00.",
         [it("4.00", "2.5", "10.00")], {"kind": "markup", "value": "0.01"}, {}),
        ("008_hundred_percent_on_one_line", "100 % off one line, the other excluded: the line "
         "becomes 0.00 at price 0.00.",
         [it("100.00", "1", "100.00"), it("50.00", "1", "50.00", excluded=True)],
         {"kind": "discount_percent", "value": "100"}, {}),
        ("009_discount_larger_than_a_line", "120.00 off 100.00 + 50.00: more than the first line "
         "alone, fine for the receipt (80.00 and 40.00 off).",
         [it("100.00", "1", "100.00"), it("50.00", "1", "50.00")],
         {"kind": "discount", "value": "120.00"}, {}),
        ("010_discount_too_large", "150.01 off 150.00 eligible: an error.",
         [it("100.00", "1", "100.00"), it("50.00", "1", "50.00")],
         {"kind": "discount", "value": "150.01"}, {}),
        ("011_zero_total_rejected", "150.00 off 150.00: the total would be zero, an error.",
         [it("100.00", "1", "100.00"), it("50.00", "1", "50.00")],
         {"kind": "discount", "value": "150.00"}, {}),
        ("012_markup_percent", "7.5 % markup on 35.99: 2.69925 → 2.70 half-up, spread by largest remainder.",
         [it("10.00", "3", "30.00"), it("5.00", "1", "5.00"), it("0.99", "1", "0.99")],
         {"kind": "markup_percent", "value": "7.5"}, {}),
        ("013_target_total_delivery_excluded", "Target 5500.00 with the delivery (350.00) excluded.",
         [it("4990.00", "1", "4990.00", marked=True), it("199.90", "3", "599.70"),
          it("350.00", "1", "350.00", excluded=True, subject="service")],
         {"kind": "target_total", "value": "5500.00"}, {}),
        ("014_target_below_excluded", "A target below the excluded items' sum: an error.",
         [it("100.00", "1", "100.00"), it("350.00", "1", "350.00", excluded=True)],
         {"kind": "target_total", "value": "300.00"}, {}),
        ("015_percent_half_up", "12.5 % of 1.00 = 12.5 kopecks → 13 (half-up, the default).",
         [it("1.00", "1", "1.00")], {"kind": "discount_percent", "value": "12.5"}, {}),
        ("016_percent_half_even", "12.5 % of 1.00 = 12.5 kopecks → 12 (half_even).",
         [it("1.00", "1", "1.00")], {"kind": "discount_percent", "value": "12.5"}, {"rounding": "half_even"}),
        ("017_nothing_eligible", "Every item excluded: a non-zero discount is an error.",
         [it("10.00", "1", "10.00", excluded=True)], {"kind": "discount", "value": "1.00"}, {}),
        ("018_markup_target", "Target above the total: a markup (0.03 over 0.01 + 0.02).",
         [it("0.01", "1", "0.01"), it("0.02", "1", "0.02")], {"kind": "target_total", "value": "0.06"}, {}),
        ("019_many_units_split", "7 units of 9.99 (69.93) minus 10.00: 59.93 over 7 units → "
         "59.93 = 7 × 8.56 + 0.01 → 6 × 8.56 + 1 × 8.57.",
         [it("9.99", "7", "69.93")], {"kind": "discount", "value": "10.00"}, {}),
    ]
    for name, desc, items, adj, opts in cases:
        exp = alloc_case(items, adj, opts.get("fractional_policy", "nearest_price_or_split"),
                         opts.get("rounding", "half_up"))
        obj = {"description": desc, "items": items, "adjustment": adj}
        obj.update(opts)
        if "code" in exp:
            obj["error"] = exp
        else:
            obj["expected"] = exp
        write("alloc", name + ".json", obj)


# ---------------------------------------------------------------- split

MARK_VALUE = "010460123456789321sTxR2k9aQ7mZ4"  # 31 characters (КТ GS1.М, tag 1305)
COMPANY_PLACE = "https://shop.example.ru"          # 22 characters


def vln(v):
    return max(1, (v.bit_length() + 7) // 8)


def item_size(x):
    """Bytes of one 1059 block as fiskal-ffd encodes a vector item (FFD 1.2: 4-byte header per TLV)."""
    q = Fraction(x["quantity"])
    scale = 0
    while (q * 10 ** scale).denominator != 1:
        scale += 1
    mant = int(q * 10 ** scale)
    s = kop(x["sum"])
    size = 4                                   # 1059 header
    size += 5 + 5                              # 1214, 1212
    size += 4 + len(x["name"])                 # 1030 (CP866: one byte per character)
    size += 4 + vln(kop(x["price"]))           # 1079
    size += 4 + 1 + vln(mant)                  # 1023 FVLN
    size += 5 + 5                              # 2108, 1199
    if RATES[x["vat"]][1] is not None:
        size += 4 + vln(vat_of(x["vat"], s))   # 1200
    size += 4 + vln(s)                         # 1043
    if x.get("marked"):
        size += 4 + 4 + len(MARK_VALUE) + 5    # 1163 {1305}, 2102
    return size


# What the register adds when the receipt does not carry it (fiskal-ffd RegisterAssumptions
# default, FFD 1.2, 1187 present): 1048 256, 1037 20, 1038 4, 1040 4, 1041 16, 1042 4, 1012 4,
# 1077 6, 1009 256, 1060 16, 1117 64, 1108 1, 2107 1 — each plus a 4-byte header.
REGISTER = sum(4 + n for n in [256, 20, 4, 4, 16, 4, 4, 6, 256, 16, 64, 1, 1])


def header_size(total, payments, rates):
    size = 4 + 5 + (4 + 12) + 5 + (4 + len(COMPANY_PLACE))   # form, 1209, 1018, 1054, 1187
    size += 4 + vln(total)                                    # 1020
    for k in ["cash", "electronic", "prepaid", "credit", "consideration"]:
        size += 4 + vln(payments.get(k, 0))                   # 1031 1081 1215 1216 1217
    return size + REGISTER + vat_totals_size(rates)


def vat_totals_size(rates):
    size = 0
    for name, per in rates.items():
        if RATES[name][0] <= 6:                               # 1102–1107 exist for codes 1–6
            size += 4 + vln(per)
    return size


PAY_ORDER = ["prepaid", "electronic", "cash", "credit", "consideration"]


def split_case(items, payments, options):
    budget = options.get("budget", 30720)
    max_items = options.get("max_items")
    max_pay = options.get("max_payments")
    sizes = [item_size(x) for x in items]
    sums = [kop(x["sum"]) for x in items]

    def per_rate(idx):
        out = {}
        for i in idx:
            r = items[i]["vat"]
            add = sums[i] if RATES[r][1] is None else vat_of(r, sums[i])
            out[r] = out.get(r, 0) + add
        return out

    pays = {k: kop(v) for k, v in payments.items()}
    total = sum(sums)
    assert sum(pays.values()) == total
    header = header_size(total, pays, per_rate(range(len(items))))
    if header >= budget:
        return {"code": "header_too_large"}
    parts, start, used = [], 0, header
    for i, s in enumerate(sizes):
        if header + s > budget:
            return {"code": "item_too_large", "path": f"items[{i}]"}
        if i > start and (used + s > budget or (max_items is not None and i - start >= max_items)):
            parts.append((start, i))
            start, used = i, header
        used += s
    parts.append((start, len(items)))
    left = [[k, pays.get(k, 0)] for k in PAY_ORDER]
    cur = 0
    out = []
    for j, (a, b) in enumerate(parts):
        t = sum(sums[a:b])
        assert t > 0
        need, p = t, {}
        while need:
            k, av = left[cur]
            take = min(need, av)
            if take:
                p[k] = take
            left[cur][1] -= take
            need -= take
            if left[cur][1] == 0:
                cur += 1
        if max_pay is not None and len(p) > max_pay:
            return {"code": "provider_limit", "path": f"parts[{j}]"}
        rates = per_rate(range(a, b))
        vat = {}
        for i in range(a, b):
            r = items[i]["vat"]
            if RATES[r][1] is not None:
                vat[r] = vat.get(r, 0) + vat_of(r, sums[i])
        size = header_size(t, p, rates) + sum(sizes[a:b])
        assert size <= budget
        out.append({
            "key_suffix": f"-{j + 1}", "items": b - a, "total": rub(t),
            "payments": {k: rub(p.get(k, 0)) for k in PAY_ORDER},
            "vat": {r: rub(v) for r, v in sorted(vat.items(), key=lambda kv: RATES[kv[0]][0])},
            "size_bound": size,
        })
    return {"parts": out}


def gen_split():
    def items_of(n, name, price, vat="vat22", marked=False, qty="1"):
        s = rub(round_times(kop(price), Fraction(qty)))
        x = {"name": name, "price": price, "quantity": qty, "sum": s, "vat": vat}
        if marked:
            x["marked"] = True
        return [dict(x) for _ in range(n)]

    cases = [
        ("001_atol_250_items", "250 × 1.00 under ATOL limits (100 items): 100 + 100 + 50; payments "
         "prepaid 120, cash 100, electronic 30 used in the order prepaid, electronic, cash.",
         items_of(250, "Товар", "1.00"), {"prepaid": "120.00", "cash": "100.00", "electronic": "30.00"},
         {"max_items": 100, "max_payments": 10}),
        ("002_single_part", "A small cart: one part, still suffixed -1.",
         items_of(3, "Товар", "10.00"), {"electronic": "30.00"}, {}),
        ("003_marked_500_default_budget", "500 marked 1.2 items (4990.00, 22 %) under the default "
         "30 720-byte budget and the worst-case register assumptions.",
         items_of(500, "Кроссовки беговые, размер 42", "4990.00", marked=True),
         {"electronic": "2495000.00"}, {}),
        ("004_budget_small", "A 1 400-byte budget with mixed rates: parts close when the size bound "
         "would pass the budget.",
         items_of(6, "Молоко 3,2%", "89.90", vat="vat10") + items_of(6, "Хлеб", "45.00", vat="vat10")
         + items_of(6, "Кофе", "499.00", vat="vat20"),
         {"cash": "1000.00", "electronic": "2803.40"}, {"budget": 1400}),
        ("005_item_too_large", "An item with a 128-character name does not fit a budget that only "
         "fits short items: an error naming it.",
         items_of(1, "Чай", "10.00") + items_of(1, "Ч" * 128, "10.00"), {"cash": "20.00"},
         {"budget": 950}),
        ("006_every_payment_kind", "One item per part, all five payment kinds: each part takes the "
         "next kinds in order prepaid, electronic, cash, credit, consideration.",
         items_of(4, "Услуга", "25.00", vat="none"),
         {"consideration": "10.00", "credit": "20.00", "cash": "30.00", "electronic": "25.00", "prepaid": "15.00"},
         {"max_items": 1}),
        ("007_payment_limit", "A part that needs two payment kinds where the provider allows one: an error.",
         items_of(2, "Товар", "10.00"), {"electronic": "5.00", "cash": "15.00"},
         {"max_items": 1, "max_payments": 1}),
        ("008_fractional_weights", "Weighed goods (fractional quantities) split by a 1 300-byte budget.",
         items_of(5, "Сыр", "899.00", qty="0.347") + items_of(5, "Яблоки", "129.90", qty="1.25", vat="vat10"),
         {"electronic": "0.00"}, {"budget": 1300}),
    ]
    for name, desc, items, pays, opts in cases:
        if pays == {"electronic": "0.00"}:
            pays = {"electronic": rub(sum(kop(x["sum"]) for x in items))}
        obj = {"description": desc, "key": "order-42", "items": items, "payments": pays, "options": opts}
        res = split_case(items, pays, opts)
        if "code" in res:
            obj["error"] = res
        else:
            obj["expected"] = res
        write("split", name + ".json", obj)


if __name__ == "__main__":
    gen_vat()
    gen_alloc()
    gen_split()
