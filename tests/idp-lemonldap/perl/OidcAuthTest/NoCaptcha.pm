# SPDX-License-Identifier: MIT
# tests/idp-lemonldap/NoCaptcha.pm - a captcha module that offers no captcha, for the test
# portal. LemonLDAP::NG 2.16 loads a captcha module at start-up even when every captcha is
# off (Portal/Main/Init.pm: conf "captcha" || ::Captcha::SecurityImage), and its default
# needs GD::SecurityImage (libgd-securityimage-perl: ImageMagick and Ghostscript). The API is
# the one Lemonldap::NG::Portal::Captcha(3pm) documents; both checks refuse, so a portal
# that asked for a captcha by mistake would fail closed.
package OidcAuthTest::NoCaptcha;

use strict;
use Mouse;

our $VERSION = '1.0';

extends 'Lemonldap::NG::Portal::Main::Plugin';

sub init { return 1; }

sub init_captcha { return; }

sub check_captcha { return 0; }

1;
