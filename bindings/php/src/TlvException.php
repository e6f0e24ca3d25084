<?php

declare(strict_types=1);

namespace Fiskal;

/** Result codes 5000–5999: TLV bytes cannot be decoded (5001–5008, `getDetails()`: `{"reason", "offset", "tag"}`) or are not a receipt (5100). */
class TlvException extends FiskalException
{
}
