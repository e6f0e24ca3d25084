#!/usr/bin/env python3
"""Writes examples/data/big_cart.json: a 250-item ФФД 1.2 cart (one receipt too large for ATOL's
100 lines), the sample for `fiskal split`. Deterministic: running it again gives the same bytes
(the doc test runner checks that the committed file is what this script writes).

    python3 examples/data/big_cart.py > examples/data/big_cart.json
"""
import json
import sys

ITEMS = 250
GOODS = ["Носки спортивные", "Футболка хлопковая", "Кружка керамическая", "Блокнот А5",
         "Ручка шариковая", "Батарейка AA", "Чай чёрный 100 г", "Шоколад 90 г"]

items = []
total = 0
for i in range(ITEMS):
    kopecks = 4990 + (i * 731) % 90000          # 49.90 … 949.89, reproducible
    quantity = 1 + i % 3
    line = kopecks * quantity
    total += line
    items.append({
        "name": f"{GOODS[i % len(GOODS)]}, арт. {1000 + i}",
        "price": f"{kopecks // 100}.{kopecks % 100:02d}",
        "quantity": quantity,
        "sum": f"{line // 100}.{line % 100:02d}",
        "measure": "piece",
        "vat": "vat22",
        "payment_method": "full_payment",
        "payment_subject": "commodity",
    })

money = f"{total // 100}.{total % 100:02d}"
cart = {
    "version": 1, "ffd": "1.2", "operation": "sell", "tax_system": "osn",
    "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru",
                "email": "receipts@shop.example.ru"},
    "client": {"contact": "+79990000001"},
    "items": items,
    "payments": {"electronic": money},
    "total": money,
}
json.dump(cart, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write("\n")
