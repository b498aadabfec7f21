# Configurations that cannot mean what they say pass "nginx -t" with a
# warning that names the file and line (docs/directives.md, "What nginx -t
# warns about"): a rewrite-phase answer where certauthz is on or audit, an
# explain or metrics location that nothing guards, a rule after "all".
#
# Each block's "server" is the body of a server block, from line 10 of
# nginx.conf on ("stream", if any, is a stream block after http); "warn" has
# one line per warning, in the order nginx -t prints them: "LINE regex", the
# warning must match the regex and end with "in <conf>:LINE".  A block
# without "warn" must print no warning; one with "needs" is skipped where
# nginx -V does not show that configure flag.  Like t/100-config-errors.t, this
# file runs nginx -t itself.

use strict;
use warnings;

use lib 't/lib';
use Certauthz::Test ();
use Test::Base;
use File::Temp qw(tempdir);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = grep { $_ } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES};
my $configure = `$nginx -V 2>&1`;

plan tests => 2 * blocks();

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/logs";

sub nginx_t {
    my ($server, $stream) = @_;

    my $loads = join(' ', map { "load_module $_;" } @modules) . "\n";
    my @head = split /\n/, <<"_EOC_";
${loads}error_log $dir/logs/error.log;
pid $dir/logs/nginx.pid;
events { }
http {
    server {
        listen 127.0.0.1:1;
        include $ENV{TEST_NGINX_PKI}/tls.conf;
_EOC_

    # pad so that the block's first line is line 10
    push @head, '' while @head < 9;

    open my $out, '>', "$dir/nginx.conf" or die "$dir/nginx.conf: $!";
    print $out join("\n", @head), "\n", $server, "\n    }\n}\n";
    if (defined $stream) {
        $stream =~ s/TLS_CONF/$ENV{TEST_NGINX_PKI}\/stream-tls.conf/g;
        print $out "stream {\n$stream\n}\n";
    }
    close $out;

    my $output = `$nginx -t -p $dir/ -c $dir/nginx.conf 2>&1`;
    return ($? >> 8, $output);
}

run {
    my $block = shift;
    my $name = $block->name;

    # "needs": a configure flag of nginx the block uses
    if (defined $block->needs && $configure !~ /\Q${\ $block->needs}\E/) {
        SKIP: { skip "$name: nginx is built without " . $block->needs, 2 }
        return;
    }

    my ($status, $output) = nginx_t($block->server, $block->stream);

    is $status, 0, "$name: nginx -t passes" or diag $output;

    my @got = $output =~ /^.*\[warn\] .*$/mg;
    my @want = map { [/^(\d+) (.*)$/] } grep { /\S/ }
               split /\n/, $block->warn // '';

    my $ok = @got == @want;

    for my $i (0 .. $#want) {
        my ($line, $re) = @{ $want[$i] };
        $ok &&= $got[$i] =~ /$re.* in \Q$dir\E\/nginx\.conf:$line$/;
    }

    ok $ok, "$name: warnings" or diag $output;
};

__DATA__

=== return 200 where certauthz denies everyone: the location's line
--- server
        location / {
            certauthz on;
            certauthz_deny all;
            return 200 "served";
        }
--- warn
10 "return 200" in location "/" answers in the rewrite phase, so certauthz never decides there: it answers certificates that the rules deny too; answer from the content phase instead \(root, alias, proxy_pass \.\.\.\), or deny with a "return" of 400 or more



=== a return inside "if", certauthz on for the whole server: the line of the "if"
--- server
        certauthz on;
        certauthz_allow cn=alice;

        location /app/ {
            root html;
            if ($arg_debug) {
                return 200 "debug";
            }
        }
--- warn
15 "return 200" inside "if" in location "/app/" answers in the rewrite phase, so certauthz never decides there



=== redirects: return with a code, return of a URL, rewrite redirect, rewrite permanent, rewrite to a URL; audit too
--- server
        location /a/ {
            certauthz audit;
            return 301 https://example.com/;
        }
        location /b/ {
            certauthz on;
            return https://example.com/;
        }
        location /c/ {
            certauthz on;
            rewrite ^/c/(.*) /d/$1 redirect;
        }
        location /d/ {
            certauthz on;
            rewrite ^/d/(.*) /e/$1 permanent;
        }
        location ~ ^/e/ {
            certauthz on;
            rewrite ^ https://example.com$uri;
        }
--- warn
10 "return 301" in location "/a/"
14 "return 302" in location "/b/"
18 "rewrite \.\.\. redirect" in location "/c/"
22 "rewrite \.\.\. permanent" in location "/d/"
26 "rewrite \.\.\. redirect" in location "\^/e/"



=== nested and named locations, and a return 204 after a rewrite that does not redirect
--- server
        certauthz on;
        location /outer/ {
            root html;
            location /outer/inner/ {
                rewrite ^/outer/inner/(.*)$ /outer/$1 break;
                return 204;
            }
        }
        location @fallback {
            return 302 /login;
        }
--- warn
13 "return 204" in location "/outer/inner/"
18 "return 302" in location "@fallback"



=== no warning: a return of 400 or more only denies more, "last"/"break" rewrites, certauthz off, an "if" that denies
--- server
        location /a/ {
            certauthz on;
            return 403;
        }
        location /b/ {
            certauthz on;
            if ($arg_x) {
                return 444;
            }
            if ($ssl_client_verify != SUCCESS) {
                return 495 "no";
            }
            rewrite ^/b/(.*)$ /c/$1 last;
        }
        location /c/ {
            certauthz on;
            rewrite ^ /index.html break;
            root html;
        }
        location /off/ {
            return 200 "public";
        }
        location /explicit-off/ {
            certauthz off;
            return 301 /;
        }



=== an explain location under a server-wide "certauthz on" answers anyone
--- server
        certauthz on;
        certauthz_allow ou=Engineering;

        location = /explain {
            certauthz_explain;
        }
--- warn
13 "certauthz_explain" in location "/explain" answers anyone: it shows the rules \(fields, patterns, list files\) to whoever asks, and certauthz on guards no explaining location; guard it with "allow"/"deny", "auth_basic", "auth_request" or "internal"



=== a metrics location without a guard, and one where certauthz only audits
--- server
        location = /metrics {
            certauthz_metrics;
        }
        location = /metrics2 {
            certauthz audit;
            certauthz_metrics;
        }
        location = /explain {
            certauthz_explain;
            auth_basic off;
        }
--- warn
10 "certauthz_metrics" in location "/metrics" answers anyone; guard it with "allow"/"deny", "auth_basic", "auth_request", "internal" or "certauthz on"
13 "certauthz_metrics" in location "/metrics2" answers anyone
17 "certauthz_explain" in location "/explain" answers anyone



=== no warning: explain and metrics guarded by allow/deny (own or the server's), auth_basic, internal; metrics by certauthz on
--- server
        location = /e1 {
            certauthz_explain;
            allow 127.0.0.1;
            deny all;
        }
        location = /e2 {
            certauthz_explain;
            auth_basic "rules";
            auth_basic_user_file htpasswd;
        }
        location = /e4 {
            internal;
            certauthz_explain;
        }
        location = /m1 {
            certauthz on;
            certauthz_allow ou=Ops;
            certauthz_metrics;
        }
        location = /m2 {
            certauthz_metrics;
            deny unix:;
            allow all;
        }
        location /inner/ {
            allow ::1;
            deny all;
            location = /inner/explain {
                certauthz_explain;
            }
        }



=== no warning: explain guarded by auth_request
--- needs chomp
--with-http_auth_request_module
--- server
        location = /explain {
            certauthz_explain;
            auth_request /auth;
        }



=== a rule after "all" in the same policy is never reached; other policies are not looked at
--- server
        certauthz on;
        certauthz_deny all;

        location / {
            certauthz_allow cn=alice;
            certauthz_allow all;
            certauthz_deny ou=Sales;
            certauthz_deny "cn~^x";
        }
--- warn
16 "certauthz_deny" is never reached: "certauthz_allow all" \(\S+/nginx\.conf:15\) decides before it, for every certificate
17 "certauthz_deny" is never reached: "certauthz_allow all" \(\S+/nginx\.conf:15\)



=== stream: a rule after "all"
--- server
        location / {
            root html;
        }
--- stream
    server {
        listen 127.0.0.1:2 ssl;
        include TLS_CONF;
        certauthz on;
        certauthz_deny all;
        certauthz_allow cn=alice;
        return "";
    }
--- warn
22 "certauthz_allow" is never reached: "certauthz_deny all"
