<?php

declare(strict_types=1);

namespace Fiskal;

/** The FNS QR-code string of a fiscalised receipt. */
final class Qr
{
    /**
     * The QR string (`t=20260302T1015&s=599.70&fn=…&i=…&fp=…&n=1`) from the fiscal attributes a
     * provider reported: `fn_number`, `fd_number`, `fiscal_sign`, `date_time`, `total`,
     * `operation` (optional: `shift_number`, `receipt_number`, `kkt_reg_number`, `ofd_inn`,
     * `receipt_url`). A `qr` key is ignored and `version` defaults to 1,
     * so an Outcome's `fiscal` can be passed as it is.
     *
     * @param array<string, mixed>|string $fiscal
     * @throws FiskalException
     */
    public static function fromFiscal(array|string $fiscal): string
    {
        if (\is_string($fiscal)) {
            $fiscal = Json::decode($fiscal);
        }
        unset($fiscal['qr']);
        $fiscal = ['version' => 1] + $fiscal;
        return Json::decode(Native::call('fiskal_qr', Json::text($fiscal)))['qr'];
    }
}
