<?php

declare(strict_types=1);

namespace Fiskal;

/** Result codes 4000–4999: a mark-code scan cannot be read or encoded; `getDetails()` is `{"reason", "position"}`. */
class MarkException extends FiskalException
{
}
