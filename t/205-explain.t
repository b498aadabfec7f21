# certauthz_explain: for the certificate of the connection, every field as
# the rules see it, each rule of the location in order (held or not, and
# for the first condition that failed what it compared), and the decision,
# the same one the real location makes with the same included rules file.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

# a field line of the answer, as the certificate NAME gives it in
# t/pki/expected.txt
sub field {
    my ($name, $field) = @_;
    my $v = Certauthz::Test::expected($name, $field);
    $v =~ s/([\\"])/\\$1/g;
    return "$field: \"$v\"";
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a denied and an allowed certificate: the rule that decided (FILE:LINE of the included file), why the others did not hold, and the real location decides by the same rule
--- user_files
>>> admin.rules
certauthz_allow cn~^adm;
certauthz_deny ou=Sales;
certauthz_allow ou=Engineering;
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location /admin/ {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/admin.rules;
            add_header X-Rule $certauthz_rule always;
            alias $TEST_NGINX_PKI/www/;
        }

        location = /explain {
            certauthz on;
            include $TEST_NGINX_SERVER_ROOT/html/admin.rules;
            certauthz_explain;
        }
    }
--- request eval
["GET /bob/explain", "GET /bob/admin/ok.txt", "GET /alice/explain",
 "GET /alice/admin/ok.txt"]
--- error_code eval
[200, 403, 200, 200]
--- response_headers_like eval
["Content-Type: text/plain; charset=utf-8\nX-Content-Type-Options: nosniff",
 "X-Rule: .*/html/admin\\.rules:2",
 "Content-Type: text/plain; charset=utf-8\nX-Content-Type-Options: nosniff",
 "X-Rule: .*/html/admin\\.rules:3"]
--- response_body_like eval
[qr{(?ms)
  \Aresult:\ deny\nreason:\ deny\nrule:\ \S+/html/admin\.rules:2\nmode:\ on\n
  (?=.*^verify:\ SUCCESS$)
  (?=.*^crl:\ none\ here)
  (?=.*^cn:\ "bob"$)
  (?=.*^ou:\ "Sales"$)
  (?=.*^uri:\ \(none\)$)
  (?=.*^\Q${\main::field('bob', 'subject')}\E$)
  (?=.*^\Q${\main::field('bob', 'serial')}\E$)
  (?=.*^\Q${\main::field('bob', 'fingerprint')}\E$)
  (?=.*^\S+/html/admin\.rules:1:\ certauthz_allow\ cn~\^adm:\ did\ not\ hold:\ cn~\^adm:\ "bob"\ does\ not\ match$)
  (?=.*^\S+/html/admin\.rules:2:\ certauthz_deny\ ou=Sales:\ held\ \(decides\)$)
  (?=.*^\S+/html/admin\.rules:3:\ certauthz_allow\ ou=Engineering:\ did\ not\ hold:\ ou=Engineering:\ "Sales"\ is\ not\ "Engineering"\ \(after\ the\ rule\ that\ decided\)$)
}x, qr/403 Forbidden/, qr{(?ms)
  \Aresult:\ allow\nreason:\ allow\nrule:\ \S+/html/admin\.rules:3\nmode:\ on\n
  (?=.*^ou:\ "Engineering",\ "Admins"$)
  (?=.*^\S+/html/admin\.rules:1:\ certauthz_allow\ cn~\^adm:\ did\ not\ hold:\ cn~\^adm:\ "alice"\ does\ not\ match$)
  (?=.*^\S+/html/admin\.rules:2:\ certauthz_deny\ ou=Sales:\ did\ not\ hold:\ ou=Sales:\ none\ of\ "Engineering",\ "Admins"\ is\ "Sales"$)
  (?=.*^\S+/html/admin\.rules:3:\ certauthz_allow\ ou=Engineering:\ held\ \(decides\)$)
}x, qr/^ok/]



=== TEST 2: no rule holds: no-match; negated operators say which value matched, a missing field is named, a list by its path
--- user_files
>>> admins.txt
alice
carol
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location = /explain {
            certauthz_allow cn!~^b;
            certauthz_allow cn!=bob;
            certauthz_allow uri~^spiffe:;
            certauthz_allow cn=@$TEST_NGINX_SERVER_ROOT/html/admins.txt;
            certauthz_allow "o=Example Corp" ou~*^eng;
            certauthz_explain;
        }
    }
--- request
GET /bob/explain
--- response_body_like eval
qr{(?ms)
  \Aresult:\ deny\nreason:\ no-match\nrule:\ \(none\)\n
  (?=.*^\S+:\d+:\ certauthz_allow\ cn!~\^b:\ did\ not\ hold:\ cn!~\^b:\ "bob"\ matches$)
  (?=.*^\S+:\d+:\ certauthz_allow\ cn!=bob:\ did\ not\ hold:\ cn!=bob:\ "bob"\ is\ "bob"$)
  (?=.*^\S+:\d+:\ certauthz_allow\ uri~\^spiffe::\ did\ not\ hold:\ uri~\^spiffe::\ the\ certificate\ has\ no\ uri$)
  (?=.*^\S+:\d+:\ certauthz_allow\ cn=\@\S+/html/admins\.txt:\ did\ not\ hold:\ cn=\@\S+/admins\.txt:\ "bob"\ is\ not\ in\ \S+/html/admins\.txt\ \(a\ list\ of\ 2\)$)
  (?=.*^\S+:\d+:\ certauthz_allow\ o=Example\ Corp\ ou~\*\^eng:\ did\ not\ hold:\ ou~\*\^eng:\ "Sales"\ does\ not\ match$)
}x



=== TEST 3: no certificate: no-cert, no fields, no rule consulted
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client optional;

        location = /explain {
            certauthz_allow all;
            certauthz_explain;
        }
    }
--- request
GET /none/explain
--- response_body_like eval
qr{(?ms)
  \Aresult:\ deny\nreason:\ no-cert\nrule:\ \(none\)\nmode:\ off\n
  (?=.*^certificate:\ none\ presented$)
  (?!.*^cn:)
  (?=.*^\S+:\d+:\ certauthz_allow\ all:\ not\ consulted\ \(no\ certificate\)$)
}x



=== TEST 4: a revoked certificate: the CRL's verdict, the rules not consulted; another certificate of the same CA is not revoked
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location = /explain {
            certauthz_crl $TEST_NGINX_PKI/crl/int-alice.crl;
            certauthz_allow all;
            certauthz_explain;
        }
    }
--- request eval
["GET /alice/explain", "GET /bob/explain"]
--- response_body_like eval
[qr{(?ms)
  \Aresult:\ deny\nreason:\ revoked\n
  (?=.*^crl:\ revoked,\ in\ \S+/crl/int-alice\.crl$)
  (?=.*^\S+:\d+:\ certauthz_allow\ all:\ held\ \(not\ consulted:\ revoked\)$)
}x, qr{(?ms)
  \Aresult:\ allow\nreason:\ allow\n
  (?=.*^crl:\ not\ revoked,\ in\ \S+/crl/int-alice\.crl$)
  (?=.*^\S+:\d+:\ certauthz_allow\ all:\ held\ \(decides\)$)
}x]



=== TEST 5: a certificate's control characters cannot write lines into the answer: written %XX, the value marked as one that never matches
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location = /explain {
            certauthz_allow dns=crlf.example.com;
            certauthz_explain;
        }
    }
--- request
GET /crlf/explain
--- response_body_like eval
qr{(?ms)
  \Aresult:\ deny\nreason:\ no-match\n
  (?=.*^dns:\ "crlf\.example\.com%0D%0AX-Injected:\ yes"\ \(a\ control\ character\ inside:\ never\ matches\)$)
  (?=.*^\S+:\d+:\ certauthz_allow\ dns=crlf\.example\.com:\ did\ not\ hold:\ dns=crlf\.example\.com:\ "crlf\.example\.com%0D%0AX-Injected:\ yes"\ \(a\ control\ character\ inside:\ never\ matches\)\ is\ not\ "crlf\.example\.com"$)
  (?!.*^X-Injected)
}x



=== TEST 6: the answer is not counted as a decision, and the explain location enforces nothing: a denied certificate still gets it
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        server_name explain.example;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location = /explain {
            certauthz on;
            certauthz_deny all;
            certauthz_explain;
        }

        location = /metrics {
            certauthz_metrics;
        }
    }
--- request eval
["GET /bob/explain", "GET /bob/metrics"]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/\Aresult: deny\nreason: deny\n/, qr/\A(?!.*certauthz_decisions_total\{server="explain\.example",location="= \/explain")/s]



=== TEST 7: a certificate of 1,000 SAN values: every one shown, an answer of many buffers, the rule over them explained
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location = /explain {
            certauthz_deny dns=nothing.example;
            certauthz_allow ip=10.9.0.250;
            certauthz_explain;
        }
    }
--- request
GET /manysan/explain
--- response_body_like eval
qr{(?ms)
  \Aresult:\ allow\nreason:\ allow\n
  (?=.*^dns:\ "host-1\.many\.example",\ "host-2\.many\.example",(?:\ "host-\d+\.many\.example",){247}\ "host-250\.many\.example"$)
  (?=.*^uri:\ "spiffe://many\.example/w/1",(?:\ "spiffe://many\.example/w/\d+",){248}\ "spiffe://many\.example/w/250"$)
  (?=.*^\S+:\d+:\ certauthz_deny\ dns=nothing\.example:\ did\ not\ hold:\ dns=nothing\.example:\ none\ of\ "host-1\.many\.example",(?:\ "host-\d+\.many\.example",){248}\ "host-250\.many\.example"\ is\ "nothing\.example"$)
  (?=.*^\S+:\d+:\ certauthz_allow\ ip=10\.9\.0\.250:\ held\ \(decides\)$)
}x
