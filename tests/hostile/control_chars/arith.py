"""A hostile ``arith`` whose failures carry terminal control sequences and markup.

An exception class named and worded with escape sequences (clear the screen, retitle the
window, paint "ALL PASSED" green, back over the line), a returned string full of them that
pytest's own diff would print, and HTML and a spreadsheet formula beside them.
"""

ESC = "\x1b"
EVIL = (ESC + "]0;pwned\x07" + ESC + "[2J" + ESC + "[32mALL PASSED" + ESC + "[0m\r\x08\x08"
        " \u202e <script>alert(1)</script> =HYPERLINK(\"http://e\",\"x\") \x00\x7f\x9b")


class Boom(Exception):
    pass


Boom.__name__ = Boom.__qualname__ = "Boom" + ESC + "[2J"


def add(a, b):
    print(EVIL)
    raise Boom(EVIL)


def mean(xs):
    raise Boom(EVIL)


def shout(s):
    return EVIL
