#!/usr/bin/env python3
"""Author's script for tests/vectors/invalid/ and tests/vectors/tlv_errors/.

Each invalid vector is a receipt (or raw text) and the exact list of problems fiskal must report,
in order: the JSON path and the stable code of each (see docs/receipt-json.md, "Error codes").
Each TLV-error vector is hex input and the error kind, byte offset and tag. The expectations are
written by hand here from the FFD rules, not copied from fiskal's output."""
import copy, json, os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

BASE = {
    "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
    "company": {"inn": "7701000001", "payment_place": "shop.example.ru"},
    "items": [{"name": "Носки", "price": "199.90", "quantity": "3", "sum": "599.70", "measure": "piece",
               "vat": "vat22", "payment_method": "full_payment", "payment_subject": "commodity"}],
    "payments": {"electronic": "599.70"},
    "total": "599.70",
}
BASE105 = copy.deepcopy(BASE)
BASE105["ffd"] = "1.05"
del BASE105["items"][0]["measure"]


def r(base=BASE, **patch):
    x = copy.deepcopy(base)
    for path, value in patch.items():
        keys = path.split("__")
        cur = x
        for k in keys[:-1]:
            cur = cur[int(k)] if k.isdigit() else cur[k]
        last = keys[-1]
        if value is DELETE:
            del cur[last]
        elif last.isdigit():
            cur[int(last)] = value
        else:
            cur[last] = value
    return x


DELETE = object()
V = lambda *pairs: {"kind": "invalid", "violations": [{"path": p, "code": c} for p, c in pairs]}
INVALID = {
    "001_malformed_json": ("Not JSON: the text ends inside an object.",
                           {"input": '{"version": 1, "ffd": "1.2", "items": ['}, {"kind": "json", "path": "items"}),
    "002_wrong_type_price": ("A boolean where an amount belongs.",
                             {"receipt": r(items__0__price=True)}, {"kind": "json", "path": "items[0].price"}),
    "003_unknown_field": ("A misspelt field name is an error, not silently ignored.",
                          {"receipt": r(items__0__prise="199.90")}, {"kind": "json", "path": "items[0].prise"}),
    "004_name_129_chars": ("An item name of 129 characters (1030 allows 128 CP866 bytes).",
                           {"receipt": r(items__0__name="Я" * 129)}, V(("items[0].name", "too_long"))),
    "005_guillemets_in_name": ("«» cannot be stored in CP866.",
                               {"receipt": r(items__0__name="Носки «Спорт»")}, V(("items[0].name", "not_cp866"))),
    "006_price_3_decimals": ("A price with three significant decimals.",
                             {"receipt": r(items__0__price="199.999")}, V(("items[0].price", "money_scale"))),
    "007_inn_check_digit": ("The company INN with a wrong check digit.",
                            {"receipt": r(company__inn="7701000002")}, V(("company.inn", "inn_check_digit"))),
    "008_total_mismatch": ("Item sums add up to 599.70 but the total and payments say 600.00.",
                           {"receipt": r(total="600.00", payments={"electronic": "600.00"})}, V(("total", "total_mismatch"))),
    "009_payments_mismatch": ("Payments add up to 500.00, total is 599.70.",
                              {"receipt": r(payments={"cash": "100.00", "electronic": "400.00"})}, V(("payments", "payments_mismatch"))),
    "010_sum_not_price_times_quantity": ("199.90 × 3 = 599.70, sum says 599.68 (2 kopecks off).",
                                         {"receipt": r(items__0__sum="599.68", total="599.68", payments={"electronic": "599.68"})},
                                         V(("items[0].sum", "sum_mismatch"))),
    "011_many_problems_at_once": ("Every problem is reported, not just the first.",
                                  {"receipt": r(company__inn="12345", items__0__name="", items__0__quantity="0",
                                                client={"contact": "not a contact"}, total="-1")},
                                  V(("company.inn", "wrong_length"), ("client.contact", "contact_format"),
                                    ("items[0].name", "required"), ("items[0].quantity", "quantity_not_positive"),
                                    ("total", "money_negative"))),
    "012_version_rules_1_05": ("FFD 1.05 has no measure (2108) and no payment subject 33.",
                               {"receipt": r(BASE105, items__0__measure="piece", items__0__payment_subject="marked")},
                               V(("items[0].payment_subject", "value_not_in_version"), ("items[0].measure", "not_in_version"))),
    "013_version_rules_1_2": ("FFD 1.2 requires the measure and has no unit 1197; place 1187 is mandatory.",
                              {"receipt": r(items__0__measure=DELETE, items__0__unit="шт", company__payment_place=DELETE)},
                              V(("company.payment_place", "required"), ("items[0].measure", "required"), ("items[0].unit", "not_in_version"))),
    "014_marked_quantity_2": ("One mark per item: a marked line of 2 units.",
                              {"receipt": r(items__0__payment_subject="marked", items__0__quantity="2", items__0__price="299.85",
                                            items__0__mark={"kind": 1305, "value": "0104601234567893215Abc000000001"})},
                              V(("items[0].quantity", "mark_rule"))),
    "015_correction_by_prescription_without_number": ("A correction by prescription needs 1179.",
                                                      {"receipt": r(correction={"type": "instruction", "date": "2026-01-10"})},
                                                      V(("correction.number", "correction_rule"))),
    "016_vat_sum_inconsistent": ("VAT 22/122 of 599.70 is 108.14, not 100.00.",
                                 {"receipt": r(items__0__vat_sum="100.00")}, V(("items[0].vat_sum", "vat_mismatch"))),
    "017_quantity_4_decimals_1_05": ("FFD 1.05 profile allows 3 decimals in a quantity.",
                                     {"receipt": r(BASE105, items__0__quantity="2.0001", items__0__price="100.00",
                                                   items__0__sum="200.01", total="200.01", payments={"cash": "200.01"})},
                                     V(("items[0].quantity", "quantity_scale"))),
    "018_unsupported_format_version": ("Only version 1 of the receipt JSON exists.",
                                       {"receipt": r(version=2)}, V(("version", "unsupported_format_version"))),
    "019_unknown_vat_code": ("1199 = 13 is not defined.",
                             {"receipt": r(items__0__vat=13)}, V(("items[0].vat", "unknown_value"))),
    "020_no_items": ("A receipt without items.",
                     {"receipt": r(items=[], total="0", payments={})}, V(("items", "no_items"))),
    "021_buyer_fields_1_2": ("Buyer birth date must be DD.MM.YYYY, citizenship 3 digits.",
                             {"receipt": r(client={"name": "Иванов", "birth_date": "1990-02-01", "citizenship": "RUS"})},
                             V(("client.birth_date", "date_format"), ("client.citizenship", "not_digits"))),
    "022_mark_scanned_in_russian_layout": ("A raw scan typed with the Russian keyboard layout is reported, never silently fixed.",
                                           {"receipt": r(items__0__payment_subject="marked", items__0__quantity="1", items__0__price="599.70",
                                                         items__0__mark={"code": "0104601234567893215\u041a\u0435%\u041b\u04372(\u0414\u044c8.\u0447\u001d93\u0410\u0410\u0410\u0410"})},
                                           V(("items[0].mark.code", "mark_code"))),
    "023_fraction_needs_quantity_1": ("With a fraction (1291) the quantity must be 1.",
                                      {"receipt": r(items__0__payment_subject="marked", items__0__quantity="2", items__0__price="599.70",
                                                    items__0__sum="599.70",
                                                    items__0__mark={"kind": 1305, "value": "0104601234567893215Abc000000001"},
                                                    items__0__fraction={"numerator": 1, "denominator": 2})},
                                      V(("items[0].sum", "sum_mismatch"), ("items[0].quantity", "mark_rule"))),
    "024_format_version_2_with_new_fields": ("A future format version with fields version 1 lacks is reported as an unsupported version, not as an unknown field.",
                                             {"receipt": r(version=2, loyalty={"points": 10})}, V(("version", "unsupported_format_version"))),
    "025_other_tags_duplicates_a_field": ("other_tags must not carry a tag that has its own field (1020 is `total`).",
                                          {"receipt": r(other_tags=[{"tag": 1020, "hex": "01"}])}, V(("other_tags[0].tag", "modelled_tag"))),
    "026_subject_20_in_1_05": ("Payment subjects 20–27 exist only in FFD 1.2.",
                               {"receipt": r(BASE105, items__0__payment_subject=20)}, V(("items[0].payment_subject", "value_not_in_version"))),
    "027_vat0_total_with_vat_sum": ("1104 totals the item *sums* at 0 %: a matching vat0_sum is valid even if an item states a VAT sum of 0.00; a wrong one is reported.",
                                    {"receipt": r(items__0__vat="vat0", items__0__vat_sum="0.00", vat_totals={"vat0_sum": "599.00"})},
                                    V(("vat_totals.vat0_sum", "vat_total_mismatch"))),
    "028_product_code_marking_kind": ("A product code (1163 of goods that are not marked) cannot be a marking code: 1305 КТ GS1.М belongs in mark, on payment subject 31/33.",
                                      {"receipt": r(items__0__product_code={"kind": 1305, "value": "0104601234567893215Abc000000001"})},
                                      V(("items[0].product_code.kind", "mark_rule"))),
    "029_product_code_beside_mark": ("An item has one 1163: marked goods carry their code in mark, so a product code beside it is refused.",
                                     {"receipt": r(items__0__payment_subject="marked", items__0__quantity="1", items__0__price="599.70",
                                                   items__0__mark={"kind": 1305, "value": "0104601234567893215Abc000000001"},
                                                   items__0__product_code={"kind": 1302, "value": "4601234567893"})},
                                     V(("items[0].product_code", "mark_rule"))),
    "030_product_code_1_05": ("1163 is an FFD 1.2 requisite; FFD 1.05 has no product code of goods that are not marked.",
                              {"receipt": r(BASE105, items__0__product_code={"kind": 1302, "value": "4601234567893"})},
                              V(("items[0].product_code", "not_in_version"))),
    "031_product_code_ean13_12_digits": ("КТ EAN-13 (1302) holds exactly 13 characters.",
                                         {"receipt": r(items__0__product_code={"kind": 1302, "value": "460123456789"})},
                                         V(("items[0].product_code.value", "wrong_length"))),
}

TLV_ERRORS = {
    "001_empty": ("No bytes at all.", "", {"kind": "truncated_header", "offset": 0, "tag": None}),
    "002_truncated_header": ("Three bytes: not even a header.", "030001", {"kind": "truncated_header", "offset": 0, "tag": None}),
    "003_length_past_end": ("Form 3 declares 100 value bytes, 4 follow.", "030064001E040100",
                            {"kind": "length_past_end", "offset": 0, "tag": 3}),
    "004_nested_length_past_end": ("An item (1059) inside form 3 declares 16 bytes, 4 follow.",
                                   "0300080023041000FE030000", {"kind": "length_past_end", "offset": 4, "tag": 1059}),
    "005_trailing_data": ("A complete document followed by one stray byte.", "030005001E04010001FF",
                          {"kind": "trailing_data", "offset": 9, "tag": None}),
    "006_wrong_width_byte": ("1054 is a BYTE but has 2 bytes.", "030006001E0402000100",
                             {"kind": "wrong_width", "offset": 4, "tag": 1054}),
    "007_vln_too_wide": ("1020 (money) with a 7-byte VLN.", "FC03070001020304050607",
                         {"kind": "vln_too_wide", "offset": 0, "tag": 1020}),
    "008_truncated_inside_item": ("The last child header of an item is cut short.", "030007002304030006040A",
                                  {"kind": "truncated_header", "offset": 8, "tag": None}),
    "009_empty_fvln": ("1023 (FVLN) with no bytes.", "FF030000", {"kind": "bad_fvln", "offset": 0, "tag": 1023}),
}


def main():
    inv = os.path.join(ROOT, "tests", "vectors", "invalid")
    os.makedirs(inv, exist_ok=True)
    for name, (desc, body, expect) in INVALID.items():
        vec = {"description": desc, **body, "expect": expect}
        with open(os.path.join(inv, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(vec, f, ensure_ascii=False, indent=2)
            f.write("\n")
    te = os.path.join(ROOT, "tests", "vectors", "tlv_errors")
    os.makedirs(te, exist_ok=True)
    for name, (desc, hexs, err) in TLV_ERRORS.items():
        with open(os.path.join(te, name + ".json"), "w", encoding="utf-8") as f:
            json.dump({"description": desc, "hex": hexs, "error": err}, f, ensure_ascii=False, indent=2)
            f.write("\n")
    print(len(INVALID), "invalid,", len(TLV_ERRORS), "tlv_errors")


if __name__ == "__main__":
    main()
