<?php

declare(strict_types=1);

require __DIR__ . '/../autoload.php';   // with Composer: require 'vendor/autoload.php';

use Fiskal\Receipt;
use Fiskal\ValidationException;

$receipt = [
    'version' => 1, 'ffd' => '1.2', 'operation' => 'sell', 'tax_system' => 'osn',
    'company' => ['inn' => '7701000001', 'payment_place' => 'https://shop.example.ru'],
    'items' => [[
        'name' => 'Носки', 'price' => '199.90', 'quantity' => 3, 'sum' => '599.70',
        'measure' => 'piece', 'vat' => 'vat22',
        'payment_method' => 'full_payment', 'payment_subject' => 'commodity',
    ]],
    'payments' => ['electronic' => '599.70'],
    'total' => '599.70',
];

$tlv = Receipt::toTlv($receipt);                  // validated with every FFD rule, then encoded
echo "TLV: {$tlv['size']} bytes, form {$tlv['form']}\n";

$receipt['company']['inn'] = '7701000002';        // a wrong check digit
$receipt['total'] = '600.00';
try {
    Receipt::validate($receipt);
} catch (ValidationException $e) {                // code 2000: every problem at once
    foreach ($e->getErrors() as $error) {
        echo "{$error['code']} {$error['path']}: {$error['message_ru']}\n";
    }
}
