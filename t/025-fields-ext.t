# What else a certificate says: the fields eku, key_usage, policy, key and
# sig (t/lib/mkpki.sh makes eid, kagree, badpolicy and the k-* keys), with
# every operator, lists, captures, variables and explain; a
# certificatePolicies extension that does not parse poisons policy: no
# condition on it lets the certificate through.

use lib 't/lib';
use Certauthz::Test;
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: eku: clientAuth alone and with a custom OID; short names, dotted OIDs where OpenSSL has no name; = != ~ !~
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /client/ { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=clientAuth; }
        location /custom/ { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=1.3.6.1.4.1.55555.7; }
        location /nocustom/ { alias $TEST_NGINX_PKI/www/; certauthz_allow eku!=1.3.6.1.4.1.55555.7; }
        location /sc/     { alias $TEST_NGINX_PKI/www/; certauthz_allow eku=msSmartcardLogin; }
        location /re/     { alias $TEST_NGINX_PKI/www/; certauthz_allow "eku~^1\.3\.6\.1\.4\.1\.55555\."; }
        location /nre/    { alias $TEST_NGINX_PKI/www/; certauthz_allow "eku!~*^MSSMART"; }
    }
--- request eval
["GET /alice/client/ok.txt", "GET /eid/client/ok.txt",
 "GET /alice/custom/ok.txt", "GET /eid/custom/ok.txt",
 "GET /alice/nocustom/ok.txt", "GET /eid/nocustom/ok.txt",
 "GET /kagree/sc/ok.txt", "GET /alice/sc/ok.txt",
 "GET /eid/re/ok.txt", "GET /kagree/re/ok.txt",
 "GET /alice/nre/ok.txt", "GET /kagree/nre/ok.txt"]
--- error_code eval
[200, 200, 403, 200, 200, 403, 200, 403, 200, 403, 200, 403]
--- response_headers eval
["X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: no-match"]



=== TEST 2: key_usage: the bits by name; digitalSignature vs keyAgreement
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /ds/   { alias $TEST_NGINX_PKI/www/; certauthz_allow key_usage=digitalSignature; }
        location /ka/   { alias $TEST_NGINX_PKI/www/; certauthz_allow key_usage=keyAgreement; }
        location /nods/ { alias $TEST_NGINX_PKI/www/; certauthz_allow key_usage!=digitalSignature; }
        location /nr/   {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny key_usage=nonRepudiation;
            certauthz_allow all;
        }
    }
--- request eval
["GET /alice/ds/ok.txt", "GET /kagree/ds/ok.txt", "GET /eid/ds/ok.txt",
 "GET /alice/ka/ok.txt", "GET /kagree/ka/ok.txt", "GET /eid/ka/ok.txt",
 "GET /alice/nods/ok.txt", "GET /kagree/nods/ok.txt",
 "GET /kagree/nr/ok.txt", "GET /eid/nr/ok.txt"]
--- error_code eval
[200, 403, 200, 403, 200, 200, 403, 200, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: deny",
 "X-Reason: allow"]



=== TEST 3: policy: dotted OIDs, an eID-like policy and a CA/B one; a list file; a certificate without the extension has no values
--- user_files
>>> policies.txt
# eID schemes we accept
1.3.6.1.4.1.55555.1.2
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /dv/   { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=2.23.140.1.2.1; }
        location /eid/  { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=1.3.6.1.4.1.55555.1.2; }
        location /nodv/ { alias $TEST_NGINX_PKI/www/; certauthz_allow policy!=2.23.140.1.2.1; }
        location /list/ { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=@$TEST_NGINX_SERVER_ROOT/html/policies.txt; }
        location /nolist/ { alias $TEST_NGINX_PKI/www/; certauthz_allow policy!=@$TEST_NGINX_SERVER_ROOT/html/policies.txt; }
    }
--- request eval
["GET /eid/dv/ok.txt", "GET /alice/dv/ok.txt", "GET /eid/eid/ok.txt",
 "GET /eid/nodv/ok.txt", "GET /alice/nodv/ok.txt",
 "GET /eid/list/ok.txt", "GET /alice/list/ok.txt",
 "GET /eid/nolist/ok.txt", "GET /alice/nolist/ok.txt"]
--- error_code eval
[200, 403, 200, 403, 200, 200, 403, 403, 200]
--- response_headers eval
["X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: no-match", "X-Reason: no-match", "X-Reason: allow"]



=== TEST 4: key and sig of every kind of key (sig as openssl x509 -text prints it), over HTTP/1.1 and HTTP/2
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl $TEST_NGINX_H2_LISTEN;
        $TEST_NGINX_H2
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "$certauthz_key|$certauthz_sig\n";
        }
    }
--- request eval
["GET /alice/", "GET /k-rsa2048/", "GET /k-rsa3072/", "GET /k-p384/",
 "GET /k-ed25519/", "GET /k-ed448/", "GET /k-pss/", "GET /client-pss/",
 "GET /h2/k-ed448/", "GET /h2/k-rsa2048/"]
--- response_body eval
[map { my ($n, $k) = @$_; "$k|" . Certauthz::Test::expected($n, 'sig') . "\n" }
 ['alice', 'ec:P-256'], ['k-rsa2048', 'rsa:2048'], ['k-rsa3072', 'rsa:3072'],
 ['k-p384', 'ec:P-384'], ['k-ed25519', 'ed25519'], ['k-ed448', 'ed448'],
 ['k-pss', 'rsa-pss:3072'], ['client-pss', 'ec:P-256'],
 ['k-ed448', 'ed448'], ['k-rsa2048', 'rsa:2048']]



=== TEST 5: the sig values are the ones the issue names (independent of openssl's output read by mkpki.sh)
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "$certauthz_sig\n";
        }
    }
--- request eval
["GET /alice/", "GET /k-rsa2048/", "GET /k-p384/", "GET /k-ed25519/",
 "GET /k-ed448/", "GET /k-pss/"]
--- response_body eval
["ecdsa-with-SHA256\n", "sha256WithRSAEncryption\n", "ecdsa-with-SHA384\n",
 "ED25519\n", "ED448\n", "rsassaPss\n"]



=== TEST 6: rules on key and sig, a regex capture from key
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /rsa/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_allow "key~^rsa:(?<kbits>[0-9]+)$";
            add_header X-Bits $kbits always;
            add_header X-Reason $certauthz_reason always;
        }
        location /p384/ { alias $TEST_NGINX_PKI/www/; certauthz_allow key=ec:P-384; }
        location /ed/   { alias $TEST_NGINX_PKI/www/; certauthz_allow "key~^ed(25519|448)$"; }
        location /nopkcs1/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny sig=sha256WithRSAEncryption;
            certauthz_allow all;
        }
        location /edsig/ { alias $TEST_NGINX_PKI/www/; certauthz_allow sig=ED448 key=ed448; }
    }
--- request eval
["GET /k-rsa3072/rsa/ok.txt", "GET /k-pss/rsa/ok.txt", "GET /alice/rsa/ok.txt",
 "GET /k-p384/p384/ok.txt", "GET /alice/p384/ok.txt",
 "GET /k-ed25519/ed/ok.txt", "GET /k-ed448/ed/ok.txt", "GET /k-pss/ed/ok.txt",
 "GET /k-rsa2048/nopkcs1/ok.txt", "GET /k-rsa3072/nopkcs1/ok.txt",
 "GET /k-ed448/edsig/ok.txt", "GET /k-ed25519/edsig/ok.txt"]
--- error_code eval
[200, 403, 403, 200, 403, 200, 200, 403, 403, 200, 200, 403]
--- response_headers eval
["X-Bits: 3072", "X-Reason: no-match", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: no-match", "X-Reason: allow",
 "X-Reason: allow", "X-Reason: no-match", "X-Reason: deny",
 "X-Reason: allow", "X-Reason: allow", "X-Reason: no-match"]



=== TEST 7: variables, joined like the SAN ones, in certificate order; empty where the certificate lacks the extension
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location / {
            return 200 "$certauthz_eku|$certauthz_key_usage|$certauthz_policy|$certauthz_key|$certauthz_sig\n";
        }
    }
--- request eval
["GET /eid/", "GET /alice/", "GET /kagree/", "GET /badpolicy/"]
--- response_body eval
["clientAuth,1.3.6.1.4.1.55555.7|digitalSignature,keyAgreement|1.3.6.1.4.1.55555.1.2,2.23.140.1.2.1|ec:P-256|ecdsa-with-SHA256\n",
 "clientAuth|digitalSignature||ec:P-256|ecdsa-with-SHA256\n",
 "clientAuth,msSmartcardLogin|nonRepudiation,keyAgreement||ec:P-256|ecdsa-with-SHA256\n",
 "clientAuth|digitalSignature||ec:P-256|ecdsa-with-SHA256\n"]
--- no_error_log
[error]



=== TEST 8: a certificatePolicies extension that does not parse poisons policy: neither policy=x nor policy!=x lets it through, a deny rule on policy denies; other fields still work
--- user_files
>>> policies.txt
1.2.3
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;
        certauthz on;
        add_header X-Reason $certauthz_reason always;

        location /ne/  { alias $TEST_NGINX_PKI/www/; certauthz_allow policy!=1.2.3; }
        location /eq/  { alias $TEST_NGINX_PKI/www/; certauthz_allow policy=1.2.3; }
        location /nre/ { alias $TEST_NGINX_PKI/www/; certauthz_allow "policy!~^2\.23\."; }
        location /nlist/ { alias $TEST_NGINX_PKI/www/; certauthz_allow policy!=@$TEST_NGINX_SERVER_ROOT/html/policies.txt; }
        location /deny/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny policy=1.2.3;
            certauthz_allow all;
        }
        location /deny-ne/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny "policy!~.";
            certauthz_allow all;
        }
        location /deny-and/ {
            alias $TEST_NGINX_PKI/www/;
            certauthz_deny policy=1.2.3 cn=nobody;
            certauthz_allow all;
        }
        location /cn/ { alias $TEST_NGINX_PKI/www/; certauthz_allow cn=badpolicy; }
    }
--- request eval
["GET /badpolicy/ne/ok.txt", "GET /alice/ne/ok.txt",
 "GET /badpolicy/eq/ok.txt",
 "GET /badpolicy/nre/ok.txt", "GET /alice/nre/ok.txt",
 "GET /badpolicy/nlist/ok.txt", "GET /alice/nlist/ok.txt",
 "GET /badpolicy/deny/ok.txt", "GET /eid/deny/ok.txt",
 "GET /badpolicy/deny-ne/ok.txt", "GET /eid/deny-ne/ok.txt",
 "GET /badpolicy/deny-and/ok.txt",
 "GET /badpolicy/cn/ok.txt"]
--- error_code eval
[403, 200, 403, 403, 200, 403, 200, 403, 200, 403, 200, 200, 200]
--- response_headers eval
["X-Reason: no-match", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: no-match", "X-Reason: allow", "X-Reason: no-match",
 "X-Reason: allow", "X-Reason: deny", "X-Reason: allow",
 "X-Reason: deny", "X-Reason: allow", "X-Reason: allow",
 "X-Reason: allow"]



=== TEST 9: explain shows each new field's values, a poisoned field, and why a rule on it did not hold
--- http_config
    server {
        listen unix:$TEST_NGINX_SERVER_ROOT/tls.sock ssl;
        include $TEST_NGINX_PKI/tls.conf;
        ssl_verify_client on;

        location = /explain {
            certauthz_allow policy!=1.2.3;
            certauthz_deny policy=1.2.3;
            certauthz_allow key_usage=keyAgreement "eku~^1\.3\.6";
            certauthz_explain;
        }
    }
--- request eval
["GET /eid/explain", "GET /badpolicy/explain", "GET /k-pss/explain"]
--- response_body_like eval
[qr{(?ms)
  \Aresult:\ allow\nreason:\ allow\n
  (?=.*^eku:\ "clientAuth",\ "1\.3\.6\.1\.4\.1\.55555\.7"$)
  (?=.*^key_usage:\ "digitalSignature",\ "keyAgreement"$)
  (?=.*^policy:\ "1\.3\.6\.1\.4\.1\.55555\.1\.2",\ "2\.23\.140\.1\.2\.1"$)
  (?=.*^key:\ "ec:P-256"$)
  (?=.*^sig:\ "ecdsa-with-SHA256"$)
  (?=.*^\S+:\d+:\ certauthz_allow\ policy!=1\.2\.3:\ held\ \(decides\)$)
}x, qr{(?ms)
  \Aresult:\ deny\nreason:\ deny\n
  (?=.*^policy:\ \(does\ not\ parse:\ no\ condition\ on\ it\ lets\ the\ certificate\ through\)$)
  (?=.*^eku:\ "clientAuth"$)
  (?=.*^\S+:\d+:\ certauthz_allow\ policy!=1\.2\.3:\ did\ not\ hold:\ policy!=1\.2\.3:\ the\ certificate's\ policy\ does\ not\ parse$)
  (?=.*^\S+:\d+:\ certauthz_deny\ policy=1\.2\.3:\ held\ \(decides\)$)
}x, qr{(?ms)
  (?=.*^policy:\ \(none\)$)
  (?=.*^key:\ "rsa-pss:3072"$)
  (?=.*^sig:\ "rsassaPss"$)
  (?=.*^key_usage:\ "digitalSignature"$)
}x]

