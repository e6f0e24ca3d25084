<?php

declare(strict_types=1);

namespace Fiskal;

/** Result codes 100–199: a problem with the call itself (NULL, UTF-8, JSON shape, size, envelope version, a caught panic). */
class ArgumentException extends FiskalException
{
}
