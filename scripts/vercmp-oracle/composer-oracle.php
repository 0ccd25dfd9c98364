<?php
// Composer's own comparison for "A<TAB>B" lines: composer/semver's VersionParser::normalize
// (Debian's php-composer-semver), then version_compare as Composer's constraints use it.
// Prints A, B and -1, 0, 1, or "error" where normalize refuses either or it is a branch.
require '/usr/share/php/Composer/Semver/autoload.php';
$parser = new Composer\Semver\VersionParser();
while (($line = fgets(STDIN)) !== false) {
    [$a, $b] = explode("\t", rtrim($line, "\n"), 2);
    try {
        $x = $parser->normalize($a);
        $y = $parser->normalize($b);
        $answer = (strpos($x, 'dev-') === 0 || strpos($y, 'dev-') === 0)
            ? 'error' : (string) version_compare($x, $y);
    } catch (UnexpectedValueException $e) {
        $answer = 'error';
    }
    echo "$a\t$b\t$answer\n";
}
