package Test::Nginx::Socket::Lua::Stream;

=pod

=head1 NAME

Test::Nginx::Socket::Lua::Stream - stream blocks for the certauthz
project's fallback test runner

=head1 DESCRIPTION

The stream sections of CPAN's C<Test::Nginx::Socket::Lua::Stream>, for
the project's own runner (t/runner): C<stream_config> goes into a
C<stream {}> block, C<stream_server_config> (and C<..._config2>,
C<..._config3>) into servers listening on TEST_NGINX_STREAM_PORT (default:
the server port + 1) and the next two ports; C<stream_request> (and 2, 3)
is sent to each, what each answers is read until it closes, and the
answers, joined, are checked as C<stream_response> /
C<stream_response_like> (as C<response_body> / C<response_body_like>).
CPAN's module sends them from a Lua location of the test server, so there
the test nginx needs the lua module; this runner sends them itself.  It
contains none of CPAN's code.

=cut

use strict;
use warnings;

use Test::Nginx::Socket;
use Test::Nginx::Util qw($ServerPort);

our @ISA    = ('Test::Nginx::Socket');
our @EXPORT = @Test::Nginx::Socket::EXPORT;

my $port = $ENV{TEST_NGINX_STREAM_PORT} // ($ServerPort + 1);

add_block_preprocessor(sub {
    my ($block) = @_;
    my $name = $block->name;

    # [config, request, port] of each stream server the block defines
    my @servers;
    for my $n ('', 2, 3) {
        my $conf = section($block, "stream_server_config$n");
        next unless defined $conf;
        push @servers, [$conf, section($block, "stream_request$n"),
                        $port + ($n || 1) - 1];
    }

    if (@servers || defined $block->stream_config) {
        my $main = "stream {\n" . ($block->stream_config // '') . "\n";
        for my $s (@servers) {
            $main .= "    server {\n        listen $s->[2];\n\n$s->[0]\n    }\n";
        }
        $main .= "}\n";

        $block->set_value(main_config => ($block->main_config // '') . $main);
        $block->set_value(stream_exchanges =>
                          [map { [$_->[2], $_->[1] // ''] } @servers]);
    }

    for my $kind ('', '_like') {
        my $want = section($block, "stream_response$kind");
        next unless defined $want;
        die "$name: conflicting stream_response$kind and response_body$kind sections\n"
            if defined section($block, "response_body$kind");
        $block->set_value("response_body$kind" => $want);
    }
});

# a block's section by name, undef if it has none
sub section {
    my ($block, $name) = @_;
    return scalar $block->$name;
}

1;
