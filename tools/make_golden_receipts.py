#!/usr/bin/env python3
"""One-off author's script: writes the hand-specified golden receipts of tests/vectors/tlv/.

Each vector states the receipt and, independently, the requisites its TLV document must hold
(written from the FFD rules and fiskal's documented tag order, not produced by fiskal). Then
tools/gen_tlv_vectors.py computes "tlv_hex" and "size" from the requisites. Kept in the repository
so the vectors can be regenerated and reviewed; edit here, run both scripts, commit the JSON."""
import json, os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DIR = os.path.join(ROOT, "tests", "vectors", "tlv")
ZERO_PAYMENTS = lambda cash, el: [[1031, "vln", cash], [1081, "vln", el], [1215, "vln", 0], [1216, "vln", 0], [1217, "vln", 0]]

V = {}

V["001_receipt_1_2_marked.json"] = {
    "description": "FFD 1.2 sale: a plain item at 22 % (no receipt-level VAT tag exists for 22 %) and a marked item (1163/1305, 2102, 2106) at 20 %; VAT 1200 computed half-up per item; 1102 totals the 20 % items.",
    "receipt": {
        "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
        "company": {"inn": "7701000001", "payment_place": "shop.example.ru"},
        "items": [
            {"name": "Носки", "price": 199.9, "quantity": 3, "sum": "599.70", "measure": "piece", "vat": "vat22",
             "payment_method": "full_payment", "payment_subject": "commodity"},
            {"name": "Кроссовки", "price": "4990", "quantity": "1", "sum": "4990.00", "measure": "piece", "vat": "vat20",
             "payment_method": "full_payment", "payment_subject": "marked",
             "mark": {"kind": 1305, "value": "0104601234567893215Abc000000001", "processing_mode": 0, "check_result": 15}},
        ],
        "payments": {"electronic": "5589.70"},
        "total": "5589.70",
    },
    "requisites": [3, "stlv", [
        [1209, "byte", 4], [1018, "str", "7701000001  "], [1054, "byte", 1], [1055, "byte", 1],
        [1187, "str", "shop.example.ru"],
        [1059, "stlv", [[1214, "byte", 4], [1212, "byte", 1], [1030, "str", "Носки"], [1079, "vln", 19990],
                        [1023, "fvln", [0, 3]], [2108, "byte", 0], [1199, "byte", 11], [1200, "vln", 10814], [1043, "vln", 59970]]],
        [1059, "stlv", [[1214, "byte", 4], [1212, "byte", 33], [1030, "str", "Кроссовки"], [1079, "vln", 499000],
                        [1023, "fvln", [0, 1]], [2108, "byte", 0], [1199, "byte", 1], [1200, "vln", 83167], [1043, "vln", 499000],
                        [1163, "stlv", [[1305, "str", "0104601234567893215Abc000000001"]]], [2102, "byte", 0], [2106, "byte", 15]]],
        [1020, "vln", 558970], *ZERO_PAYMENTS(0, 558970), [1102, "vln", 83167],
    ]],
}

V["002_receipt_1_05_agent_1162.json"] = {
    "description": "FFD 1.05 sale: fractional quantity (899.00 × 0.347 = 311.953 → 311.95), unit 1197, buyer 1227/1228 at receipt level, cashier, a marked item with 1162 (the develop-1c.ru shoe code example), commission agent with 1223/1224/1226; 1105 and 1106 totals.",
    "receipt": {
        "version": 1, "ffd": "1.05", "operation": "sell", "tax_system": "usn_income",
        "company": {"inn": "502712345651", "payment_place": "shop.example.ru", "payment_address": "г. Москва, ул. Примерная, д. 1"},
        "cashier": {"name": "Петрова А.А.", "inn": "770100000079"},
        "client": {"contact": "buyer@example.ru", "name": "ООО Покупатель", "inn": "7701000001"},
        "items": [
            {"name": "Сыр весовой", "price": "899.00", "quantity": "0.347", "sum": "311.95", "unit": "кг", "vat": "none",
             "payment_method": "full_payment", "payment_subject": "commodity"},
            {"name": "Туфли", "price": "3500.00", "quantity": 1, "sum": "3500.00", "unit": "шт", "vat": "vat120",
             "payment_method": "full_payment", "payment_subject": "commodity",
             "mark": {"code_1162": "444D0444092246CB472B6D677348773C44694C4E5F"},
             "agent": {"type": "commission_agent", "agent_info": {"phones": ["+79990000002"]},
                       "supplier": {"name": "ИП Сидоров", "phones": ["+79990000003"], "inn": "502712345651"}}},
        ],
        "payments": {"cash": "311.95", "electronic": "3500.00"},
        "total": "3811.95",
    },
    "requisites": [3, "stlv", [
        [1209, "byte", 2], [1018, "str", "502712345651"], [1054, "byte", 1], [1055, "byte", 2],
        [1021, "str", "Петрова А.А."], [1203, "str", "770100000079"],
        [1009, "str", "г. Москва, ул. Примерная, д. 1"], [1187, "str", "shop.example.ru"],
        [1008, "str", "buyer@example.ru"], [1227, "str", "ООО Покупатель"], [1228, "str", "7701000001  "],
        [1059, "stlv", [[1214, "byte", 4], [1212, "byte", 1], [1030, "str", "Сыр весовой"], [1079, "vln", 89900],
                        [1023, "fvln", [3, 347]], [1197, "str", "кг"], [1199, "byte", 6], [1043, "vln", 31195]]],
        [1059, "stlv", [[1214, "byte", 4], [1212, "byte", 1], [1030, "str", "Туфли"], [1079, "vln", 350000],
                        [1023, "fvln", [0, 1]], [1197, "str", "шт"], [1199, "byte", 3], [1200, "vln", 58333], [1043, "vln", 350000],
                        [1162, "bytes", "444D0444092246CB472B6D677348773C44694C4E5F"],
                        [1222, "byte", 32], [1223, "stlv", [[1073, "str", "+79990000002"]]],
                        [1224, "stlv", [[1171, "str", "+79990000003"], [1225, "str", "ИП Сидоров"]]],
                        [1226, "str", "502712345651"]]],
        [1020, "vln", 381195], *ZERO_PAYMENTS(31195, 350000), [1105, "vln", 31195], [1106, "vln", 58333],
    ]],
}

V["003_correction_1_2_register.json"] = {
    "description": "FFD 1.2 correction receipt (form 31) by prescription, with the requisites the register adds (1037 padded to 20, 1041, 1040, 1042, 1038, 1012 local time, 1060, 1108, 2107, 1077).",
    "receipt": {
        "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
        "company": {"inn": "7701000001", "payment_place": "shop.example.ru", "payment_address": "г. Москва"},
        "items": [{"name": "Услуга", "price": "1000.00", "quantity": "1", "sum": "1000.00", "measure": "piece", "vat": "vat22",
                   "payment_method": "full_payment", "payment_subject": "service"}],
        "payments": {"electronic": "1000.00"},
        "total": "1000.00",
        "correction": {"type": "instruction", "date": "2026-03-01", "number": "ПР-12/2026"},
        "register": {"kkt_reg_number": "0000000001012345", "fn_number": "9999078900001234", "fd_number": 1234,
                     "receipt_number": 5, "shift_number": 12, "date_time": "2026-03-02T10:15:00",
                     "fiscal_sign": "0123456789AB", "fns_site": "www.nalog.gov.ru", "internet_only": True,
                     "marks_check_result": 0},
    },
    "requisites": [31, "stlv", [
        [1209, "byte", 4], [1018, "str", "7701000001  "],
        [1037, "str", "0000000001012345    "], [1041, "str", "9999078900001234"], [1040, "u32", 1234],
        [1042, "u32", 5], [1038, "u32", 12], [1012, "unixtime", "2026-03-02T10:15:00"],
        [1054, "byte", 1], [1055, "byte", 1], [1009, "str", "г. Москва"], [1187, "str", "shop.example.ru"],
        [1060, "str", "www.nalog.gov.ru"], [1108, "byte", 1],
        [1173, "byte", 1], [1174, "stlv", [[1178, "unixtime", "2026-03-01T00:00:00"], [1179, "str", "ПР-12/2026"]]],
        [1059, "stlv", [[1214, "byte", 4], [1212, "byte", 4], [1030, "str", "Услуга"], [1079, "vln", 100000],
                        [1023, "fvln", [0, 1]], [2108, "byte", 0], [1199, "byte", 11], [1200, "vln", 18033], [1043, "vln", 100000]]],
        [1020, "vln", 100000], *ZERO_PAYMENTS(0, 100000),
        [2107, "byte", 0], [1077, "bytes", "0123456789AB"],
    ]],
}

V["004_correction_1_05_totals_only.json"] = {
    "description": "FFD 1.05 correction receipt without items (totals only), self-initiated; VAT total 1102 given explicitly.",
    "receipt": {
        "version": 1, "ffd": "1.05", "operation": "sell", "tax_system": "osn",
        "company": {"inn": "7701000001", "payment_place": "shop.example.ru"},
        "payments": {"cash": "1500.00"},
        "total": "1500.00",
        "vat_totals": {"vat20": "250.00"},
        "correction": {"type": "self", "date": "2025-12-30"},
    },
    "requisites": [31, "stlv", [
        [1209, "byte", 2], [1018, "str", "7701000001  "], [1054, "byte", 1], [1055, "byte", 1],
        [1187, "str", "shop.example.ru"],
        [1173, "byte", 0], [1174, "stlv", [[1178, "unixtime", "2025-12-30T00:00:00"]]],
        [1020, "vln", 150000], *ZERO_PAYMENTS(150000, 0), [1102, "vln", 25000],
    ]],
}

V["005_receipt_1_2_buyer_fraction_props.json"] = {
    "description": "FFD 1.2: buyer 1256 with identity data, a fractional marked item (1291; sum = price × 1/2), item and receipt sectoral props (1260/1261), 1192, 1084, 1270, and unknown tags 9998/9999 kept raw.",
    "receipt": {
        "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
        "company": {"inn": "7701000001", "payment_place": "shop.example.ru"},
        "client": {"contact": "+79990000001", "name": "Иванов Иван Иванович", "inn": "770100000079",
                   "birth_date": "01.02.1990", "citizenship": "643", "document_code": "21", "document_data": "4510 123456"},
        "items": [{"name": "Лекарство, 1/2 упаковки", "price": "300.00", "quantity": 1, "sum": "150.00", "measure": "piece",
                   "vat": "vat10", "payment_method": "full_payment", "payment_subject": "marked",
                   "mark": {"kind": 1305, "value": "0104607654321015215Xyz000000002", "processing_mode": 0},
                   "fraction": {"numerator": 1, "denominator": 2},
                   "sectoral_props": [{"fois_id": "020", "date": "01.01.2025", "number": "1", "value": "рецепт"}],
                   "other_tags": [{"tag": 9998, "hex": "AA"}]}],
        "payments": {"electronic": "150.00"},
        "total": "150.00",
        "additional_check_props": "ORD-1001",
        "additional_user_prop": {"name": "Заказ", "value": "1001"},
        "operating_check_props": {"id": 0, "data": "payment-id-1", "time": "2026-02-01T09:00:00"},
        "sectoral_check_props": [{"fois_id": "001", "date": "15.01.2026", "number": "77", "value": "тест"}],
        "other_tags": [{"tag": 9999, "hex": "0102"}],
    },
    "requisites": [3, "stlv", [
        [1209, "byte", 4], [1018, "str", "7701000001  "], [1054, "byte", 1], [1055, "byte", 1],
        [1187, "str", "shop.example.ru"], [1008, "str", "+79990000001"],
        [1256, "stlv", [[1227, "str", "Иванов Иван Иванович"], [1228, "str", "770100000079"], [1243, "str", "01.02.1990"],
                        [1244, "str", "643"], [1245, "str", "21"], [1246, "str", "4510 123456"]]],
        [1059, "stlv", [[1214, "byte", 4], [1212, "byte", 33], [1030, "str", "Лекарство, 1/2 упаковки"], [1079, "vln", 30000],
                        [1023, "fvln", [0, 1]], [2108, "byte", 0], [1199, "byte", 2], [1200, "vln", 1364], [1043, "vln", 15000],
                        [1163, "stlv", [[1305, "str", "0104607654321015215Xyz000000002"]]], [2102, "byte", 0],
                        [1291, "stlv", [[1292, "str", "1/2"], [1293, "vln", 1], [1294, "vln", 2]]],
                        [1260, "stlv", [[1262, "str", "020"], [1263, "str", "01.01.2025"], [1264, "str", "1"], [1265, "str", "рецепт"]]],
                        [9998, "bytes", "AA"]]],
        [1020, "vln", 15000], *ZERO_PAYMENTS(0, 15000), [1103, "vln", 1364],
        [1192, "str", "ORD-1001"], [1084, "stlv", [[1085, "str", "Заказ"], [1086, "str", "1001"]]],
        [1270, "stlv", [[1271, "byte", 0], [1272, "str", "payment-id-1"], [1273, "unixtime", "2026-02-01T09:00:00"]]],
        [1261, "stlv", [[1262, "str", "001"], [1263, "str", "15.01.2026"], [1264, "str", "77"], [1265, "str", "тест"]]],
        [9999, "bytes", "0102"],
    ]],
}

SHOE_SCAN = ("010469025752852321G+mgsHw<DiLN_\u001d91EE05\u001d92"
             "4B2ovJ3U14mtGhsDhWLhMDAFRoe8OK9C/2vfWUSFd7uRBpOIDG3U+ix7U/6S8nvFci3vKVQcx/e6hyvCfiKSZg==")

V["006_receipt_1_05_mark_from_raw_scan.json"] = {
    "description": "FFD 1.05: the item carries only the raw scan (mark.code, with GS); fiskal derives 1162 = the develop-1c.ru shoe code example.",
    "receipt": {
        "version": 1, "ffd": "1.05", "operation": "sell", "tax_system": "osn",
        "company": {"inn": "7701000001", "payment_place": "shop.example.ru"},
        "items": [{"name": "Туфли", "price": "3500.00", "quantity": 1, "sum": "3500.00", "vat": "vat20",
                   "payment_method": "full_payment", "payment_subject": "commodity", "mark": {"code": SHOE_SCAN}}],
        "payments": {"electronic": "3500.00"},
        "total": "3500.00",
    },
    "requisites": [3, "stlv", [
        [1209, "byte", 2], [1018, "str", "7701000001  "], [1054, "byte", 1], [1055, "byte", 1],
        [1187, "str", "shop.example.ru"],
        [1059, "stlv", [[1214, "byte", 4], [1212, "byte", 1], [1030, "str", "Туфли"], [1079, "vln", 350000],
                        [1023, "fvln", [0, 1]], [1199, "byte", 1], [1200, "vln", 58333], [1043, "vln", 350000],
                        [1162, "bytes", "444D0444092246CB472B6D677348773C44694C4E5F"]]],
        [1020, "vln", 350000], *ZERO_PAYMENTS(0, 350000), [1102, "vln", 58333],
    ]],
}

V["007_receipt_1_2_mark_from_raw_scan.json"] = {
    "description": "FFD 1.2: the item carries only the raw scan (mark.code, with GS); fiskal derives 1163 {1305 = 01 + GTIN + 21 + serial, no GS, no crypto tail}.",
    "receipt": {
        "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
        "company": {"inn": "7701000001", "payment_place": "shop.example.ru"},
        "items": [{"name": "Туфли", "price": "3500.00", "quantity": 1, "sum": "3500.00", "measure": "piece", "vat": "vat22",
                   "payment_method": "full_payment", "payment_subject": "marked",
                   "mark": {"code": SHOE_SCAN, "processing_mode": 0}}],
        "payments": {"electronic": "3500.00"},
        "total": "3500.00",
    },
    "requisites": [3, "stlv", [
        [1209, "byte", 4], [1018, "str", "7701000001  "], [1054, "byte", 1], [1055, "byte", 1],
        [1187, "str", "shop.example.ru"],
        [1059, "stlv", [[1214, "byte", 4], [1212, "byte", 33], [1030, "str", "Туфли"], [1079, "vln", 350000],
                        [1023, "fvln", [0, 1]], [2108, "byte", 0], [1199, "byte", 11], [1200, "vln", 63115], [1043, "vln", 350000],
                        [1163, "stlv", [[1305, "str", "010469025752852321G+mgsHw<DiLN_"]]], [2102, "byte", 0]]],
        [1020, "vln", 350000], *ZERO_PAYMENTS(0, 350000),
    ]],
}

V["008_receipt_1_2_mark_scanner_quirks.json"] = {
    "description": "FFD 1.2: the raw scan as a keyboard-wedge scanner delivers it (AIM prefix ]d2, FNC1 as U+00E8, GS typed as <GS>): it is read by fiskal-marks, not held to CP866, and gives the same 1163 as a clean scan.",
    "receipt": {
        "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
        "company": {"inn": "7701000001", "payment_place": "shop.example.ru"},
        "items": [{"name": "Туфли", "price": "3500.00", "quantity": 1, "sum": "3500.00", "measure": "piece", "vat": "vat22",
                   "payment_method": "full_payment", "payment_subject": "marked",
                   "mark": {"code": "]d2\u00e8" + SHOE_SCAN.replace("\x1d", "<GS>"), "processing_mode": 0}}],
        "payments": {"electronic": "3500.00"},
        "total": "3500.00",
    },
    "requisites": V["007_receipt_1_2_mark_from_raw_scan.json"]["requisites"],
}

V["009_receipt_1_2_product_code_ean13.json"] = {
    "description": "FFD 1.2 sale: an ordinary (not marked) good with its EAN-13 barcode as the product code 1163/1302 (ЕД-7-20/662@, приложение 2, таблица 118); sold by 2 units, no 2102/2106: a product code does not make the item a marked one. 22/122 of 179.80 = 32.42 (half-up).",
    "receipt": {
        "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
        "company": {"inn": "7701000001", "payment_place": "shop.example.ru"},
        "items": [{"name": "Чай", "price": "89.90", "quantity": 2, "sum": "179.80", "measure": "piece", "vat": "vat22",
                   "payment_method": "full_payment", "payment_subject": "commodity",
                   "product_code": {"kind": 1302, "value": "4601234567893"}}],
        "payments": {"cash": "179.80"},
        "total": "179.80",
    },
    "requisites": [3, "stlv", [
        [1209, "byte", 4], [1018, "str", "7701000001  "], [1054, "byte", 1], [1055, "byte", 1],
        [1187, "str", "shop.example.ru"],
        [1059, "stlv", [[1214, "byte", 4], [1212, "byte", 1], [1030, "str", "Чай"], [1079, "vln", 8990],
                        [1023, "fvln", [0, 2]], [2108, "byte", 0], [1199, "byte", 11], [1200, "vln", 3242], [1043, "vln", 17980],
                        [1163, "stlv", [[1302, "str", "4601234567893"]]]]],
        [1020, "vln", 17980], *ZERO_PAYMENTS(17980, 0),
    ]],
}

for name, vec in V.items():
    with open(os.path.join(DIR, name), "w", encoding="utf-8") as f:
        json.dump(vec, f, ensure_ascii=False, indent=2)
        f.write("\n")
print("wrote", len(V), "vectors")
