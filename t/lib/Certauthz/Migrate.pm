package Certauthz::Migrate;

# What the migration equivalence tests (t/210-migrate-apache.t,
# t/211-migrate-haproxy.t, t/212-migrate-map.t) share.
#
# The configurations they run are the fenced blocks of docs/migrating.md
# that carry a policy attribute (```apache policy=admin, ```nginx
# policy=admin): the tests take them from the document, so the guide cannot
# drift from what was proven.  Each test starts the old server (Apache
# httpd, HAProxy or stock nginx) with the old policy and nginx + certauthz
# with the new one, sends the same client certificates of the test PKI to
# both, and compares the decisions.
#
#     use lib 't/lib';
#     use Certauthz::Migrate;
#
#     my $m = Certauthz::Migrate->new(offset => 11);
#     my $block = Certauthz::Migrate::policy('apache', 'admin');
#     my $port = $m->apache($conf);
#     my $decision = $m->decide($port, 'alice', '/admin/');
#
# Rewriting, the only difference between the document and what runs:
#   - /etc/nginx/pki/{server.crt,server.key,ca.crt,crl.pem} and
#     /etc/apache2/pki/..., /etc/haproxy/pki/... become the test PKI's files;
#   - /etc/nginx/certauthz/ becomes the test's own directory, whose files
#     the test writes (from the document's "file=" blocks, or with values of
#     the freshly made test PKI, such as fingerprints);
#   - "listen 443 ssl" and "Listen 443" become a local port derived from
#     TEST_NGINX_SERVER_PORT, 127.0.0.1:8080 (the application, everywhere in
#     the document) becomes the test's application server.
#
# Servers are started in the foreground, each on its own port, and stopped
# by their process ids at the end (END block).

use strict;
use warnings;

use Certauthz::Test ();

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

my $root = abs_path(File::Spec->catdir(dirname(__FILE__), '..', '..', '..'));
# CERTAUTHZ_MIGRATE_DOC: another copy of the guide (to see the tests fail)
our $DOC = $ENV{CERTAUTHZ_MIGRATE_DOC} || "$root/docs/migrating.md";
our $PKI = $ENV{TEST_NGINX_PKI};

# Certificates every comparison uses: all verify with t/pki/ca.crt (root
# and intermediate) except eve (another CA) and mallory (self-signed),
# which every server must refuse, as it must refuse "none" (no
# certificate: the servers of the document require one).
our @CERTS = qw(alice bob svc-billing multicn nosan utf8 bmp special
                big-serial highbit serial20 negserial rootclient quoted
                nosubject idn ipv6 multiou door-1 door-2 pct capcn
                eve mallory none);

my @pids;
my $cleanup_pid = $$;

END {
    return unless $$ == $cleanup_pid;
    local $?;    # the test's exit status, not waitpid's
    for my $pid (@pids) {
        kill 'TERM', $pid;
    }
    for my $pid (@pids) {
        my $deadline = time + 5;
        while (waitpid($pid, WNOHANG) == 0 && time < $deadline) {
            sleep 0.05;
        }
        kill 'KILL', $pid if kill 0, $pid;
        waitpid $pid, 0;
    }
}


# --- the document ------------------------------------------------------------

# every fenced block of docs/migrating.md, in order:
# { lang => 'apache', attr => { policy => 'admin' }, text => ..., line => N }
sub blocks {
    open my $in, '<', $DOC or die "$DOC: $!\n";
    my (@blocks, $cur);

    while (my $line = <$in>) {
        if (!$cur && $line =~ /^```(\S+)(.*)$/) {
            my ($lang, $rest) = ($1, $2);
            my %attr = map { /^([^=]+)=(.*)$/ ? ($1 => $2) : ($_ => 1) }
                       split ' ', $rest;
            $cur = { lang => $lang, attr => \%attr, text => '', line => $. };

        } elsif ($cur && $line =~ /^```\s*$/) {
            push @blocks, $cur;
            undef $cur;

        } elsif ($cur) {
            $cur->{text} .= $line;
        }
    }

    die "$DOC: unterminated block at line $cur->{line}\n" if $cur;
    return @blocks;
}

# the one block of language LANG with policy=NAME
sub policy {
    my ($lang, $name) = @_;
    my @b = grep { $_->{lang} eq $lang && ($_->{attr}{policy} // '') eq $name }
            blocks();
    die "$DOC: " . scalar(@b) . " blocks \"$lang policy=$name\", want one\n"
        unless @b == 1;
    return $b[0]{text};
}

# the policy names of language LANG in document order (a regex to select)
sub policies {
    my ($lang, $re) = @_;
    $re //= qr/./;
    return grep { /$re/ }
           map { $_->{attr}{policy} }
           grep { $_->{lang} eq $lang && defined $_->{attr}{policy} } blocks();
}

# writes every "file=/etc/nginx/certauthz/NAME" block of the document into
# the test's directory, through FILTER (a sub that gets NAME and the text)
sub write_doc_files {
    my ($self, $filter) = @_;
    $filter //= sub { $_[1] };

    for my $b (blocks()) {
        my $path = $b->{attr}{file} // next;
        my ($name) = $path =~ m{^/etc/nginx/certauthz/([\w.-]+)$}
            or die "$DOC line $b->{line}: file=$path is not under /etc/nginx/certauthz/\n";
        $self->write_file("certauthz/$name", $filter->($name, $b->{text}));
    }
}

# In a list or map file of the document, the hex fingerprint that follows
# a comment line "# NAME" becomes the fingerprint of the test PKI's
# certificate NAME (keys, so fingerprints, are new with every PKI): SHA-1
# for 40 hex digits, SHA-256 for 64.  Dies if a line has no such comment.
sub refresh_fingerprints {
    my ($text) = @_;
    my ($name, $out, $n) = (undef, '', 0);

    for my $line (split /^/m, $text) {
        if ($line =~ /^\s*#\s*([\w-]+)\s*$/) {
            $name = $1;
        } elsif ($line =~ /^(\s*)([0-9a-fA-F]{40}|[0-9a-fA-F]{64})\b(.*)$/s) {
            my ($lead, $fp, $rest) = ($1, $2, $3);
            die "fingerprint $fp has no \"# NAME\" line before it\n" unless $name;
            my $alg = length($fp) == 40 ? 'sha1' : 'sha256';
            $line = $lead . fingerprint($name, $alg) . $rest;
            undef $name;
            $n++;
        }
        $out .= $line;
    }

    die "no fingerprint in:\n$text" unless $n;
    return $out;
}

# the nginx.conf that runs location blocks: the application stand-in, and
# an mTLS server on PORT (as the document's servers: a certificate is
# required) with the blocks in it
sub certauthz_conf {
    my ($self, $port, @locations) = @_;
    my $body = join "\n", map { $self->localize($_) } @locations;
    $body =~ s/^(?=.)/        /mg;

    return "events { }\nhttp {\n    access_log off;\n" . $self->app_conf . <<"EOF";
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate        $PKI/server.crt;
        ssl_certificate_key    $PKI/server.key;
        ssl_client_certificate $PKI/ca.crt;
        ssl_verify_client      on;
        ssl_verify_depth       2;

$body
    }
}
EOF
}

# the path of a block's first "location /PATH/" ("<Location "/PATH/">" in
# Apache's, "backend NAME" for HAProxy's, which the tests route from /NAME/)
sub block_path {
    my ($text) = @_;
    return $1 if $text =~ m{^\s*location\s+(/\S*)\s*\{}m;
    return $1 if $text =~ m{^\s*<Location\s+"?(/[^">]*)"?>}m;
    return "/$1/" if $text =~ m{^\s*backend\s+(\S+)}m;
    die "no location in block:\n$text";
}

# the text of the block "nginx file=PATH"
sub file_block {
    my ($path) = @_;
    my @b = grep { ($_->{attr}{file} // '') eq $path } blocks();
    die "$DOC: no block file=$path\n" unless @b == 1;
    return $b[0]{text};
}


# --- a test run --------------------------------------------------------------

# offset: this test file's ports are TEST_NGINX_SERVER_PORT + offset, + 1 ...
sub new {
    my ($class, %opt) = @_;
    my $dir = tempdir(CLEANUP => !$ENV{TEST_NGINX_NO_CLEAN});
    # Apache's children run as www-data (when started as root): they must
    # read the documents and write nothing here
    chmod 0755, $dir;
    mkdir "$dir/$_" for qw(www certauthz logs);
    print STDERR "# kept in $dir\n" if $ENV{TEST_NGINX_NO_CLEAN};

    my $self = bless {
        dir => $dir,
        port => ($ENV{TEST_NGINX_SERVER_PORT} || 1984) + $opt{offset},
    }, $class;

    $self->{app} = $self->next_port;
    return $self;
}

sub dir { return $_[0]{dir} }

sub next_port {
    my ($self) = @_;
    return $self->{port}++;
}

# the paths of the document, made the test's
sub localize {
    my ($self, $text, $port) = @_;
    my $dir = $self->{dir};

    $text =~ s{/etc/(?:nginx|apache2|haproxy)/pki/crl\.pem}{$PKI/crl/int-empty.crl}g;
    $text =~ s{/etc/(?:nginx|apache2|haproxy)/pki/(server\.crt|server\.key|ca\.crt)}{$PKI/$1}g;
    $text =~ s{/etc/haproxy/pki/server\.pem}{$dir/server.pem}g;
    $text =~ s{/etc/nginx/certauthz/}{$dir/certauthz/}g;
    $text =~ s{127\.0\.0\.1:8080\b}{127.0.0.1:$self->{app}}g;

    if (defined $port) {
        $text =~ s{\blisten\s+(?:\[::\]:|\*:|0\.0\.0\.0:)?443\b}{listen 127.0.0.1:$port}g;
        $text =~ s{^(\s*)Listen\s+443\b.*$}{${1}Listen 127.0.0.1:$port}mg;
        $text =~ s{<VirtualHost \*:443>}{<VirtualHost 127.0.0.1:$port>}g;
        $text =~ s{\bbind\s+:443\b}{bind 127.0.0.1:$port}g;
    }

    return $text;
}

# a file in the test's directory (for /etc/nginx/certauthz/NAME: "certauthz/NAME")
sub write_file {
    my ($self, $name, $data) = @_;
    my $file = "$self->{dir}/$name";
    my $d = dirname($file);
    system('mkdir', '-p', $d) == 0 or die "mkdir $d failed\n";
    open my $out, '>', $file or die "$file: $!\n";
    print $out $data;
    close $out or die "$file: $!\n";
    chmod 0644, $file;
    return $file;
}

# an empty page at PATH (a URL path ending in /) for Apache's DocumentRoot
sub page {
    my ($self, $path) = @_;
    $self->write_file("www${path}index.html", "ok\n");
}


# --- servers -----------------------------------------------------------------

# nginx with CONF as its whole configuration (load_module lines, pid and
# error log added); returns when it listens on PORT
sub nginx {
    my ($self, $name, $conf, $port) = @_;
    my $dir = $self->{dir};
    my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
    my @modules = grep { length } split /\s+/, $ENV{TEST_NGINX_LOAD_MODULES} // '';
    my $loads = join '', map { "load_module $_;\n" } @modules;

    # a document's own load_module lines name the installed module
    $conf =~ s/^\s*load_module\s+[^;]+;\s*$//mg;

    my $file = $self->write_file("$name.conf", <<"EOF" . $conf);
${loads}daemon off;
master_process off;
worker_processes 1;
pid $dir/logs/$name.pid;
error_log $dir/logs/$name.error.log info;
EOF

    my $t = `$nginx -t -p $dir/ -c $file 2>&1`;
    die "nginx -t of $name failed:\n$t\n--- $file:\n" . slurp($file) if $?;

    $self->spawn("$dir/logs/$name.out", $nginx, '-p', "$dir/", '-c', $file);
    wait_port($port) or die "nginx $name does not listen on $port:\n"
                            . slurp("$dir/logs/$name.error.log")
                            . slurp("$dir/logs/$name.out");
}

# the server that stands for the application: 200 "app" for every path
sub app_conf {
    my ($self) = @_;
    return <<"EOF";
    server {
        listen 127.0.0.1:$self->{app};
        access_log off;
        location / { return 200 "app\\n"; }
    }
EOF
}

# Apache httpd with the self-contained configuration CONF (LoadModule lines
# included); returns when it listens on PORT
sub apache {
    my ($self, $conf, $port) = @_;
    my $dir = $self->{dir};
    my $file = $self->write_file('apache2.conf', $conf);

    my $t = `apache2 -t -f $file 2>&1`;
    die "apache2 -t failed:\n$t\n--- $file:\n$conf" if $?;

    $self->spawn("$dir/logs/apache.out", 'apache2', '-f', $file, '-DFOREGROUND');
    wait_port($port) or die "apache2 does not listen on $port:\n"
                            . slurp("$dir/logs/apache-error.log")
                            . slurp("$dir/logs/apache.out");
}

# HAProxy with CONF; returns when it listens on PORT
sub haproxy {
    my ($self, $conf, $port) = @_;
    my $dir = $self->{dir};
    my $file = $self->write_file('haproxy.cfg', $conf);

    # HAProxy wants the key in the certificate's file
    $self->write_file('server.pem', slurp("$PKI/server.crt") . slurp("$PKI/server.key"));

    my $t = `haproxy -c -f $file 2>&1`;
    die "haproxy -c failed:\n$t\n--- $file:\n$conf" if $?;

    $self->spawn("$dir/logs/haproxy.out", 'haproxy', '-db', '-f', $file);
    wait_port($port) or die "haproxy does not listen on $port:\n"
                            . slurp("$dir/logs/haproxy.out");
}

sub spawn {
    my ($self, $out, @cmd) = @_;
    my $pid = fork // die "fork: $!\n";

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or die "$out: $!\n";
        open STDERR, '>&', \*STDOUT;
        exec @cmd or die "exec $cmd[0]: $!\n";
    }

    push @pids, $pid;
    return $pid;
}


# --- requests ------------------------------------------------------------------

# the status of GET https://127.0.0.1:PORT/PATH with client certificate NAME:
# an HTTP status, or "000" when no HTTP answer came (the TLS handshake
# failed)
sub status {
    my ($self, $port, $name, $path) = @_;
    my $cert = $name eq 'none' ? '' : "--cert $PKI/$name.pem --key $PKI/$name.key";
    my $code = `curl -s -k -m 10 -o /dev/null -w '%{http_code}' $cert https://127.0.0.1:$port$path`;
    return $code;
}

# the decision, in words that are comparable between servers:
# "allow" (200), "deny" (403), "refused" (the certificate was refused
# during or right after the handshake: no HTTP answer, or nginx's 400 for a
# certificate that failed verification), else "status NNN"
sub decide {
    my ($self, $port, $name, $path) = @_;
    my $code = $self->status($port, $name, $path);
    return $code eq '200' ? 'allow'
         : $code eq '403' ? 'deny'
         : $code eq '000' || $code eq '400' ? 'refused'
         : "status $code";
}

# decisions of several (port, path) pairs for every certificate of @CERTS,
# all requests in parallel: { "$port$path" => { alice => 'allow', ... } }
sub decide_all {
    my ($self, @targets) = @_;
    my %pending;

    for my $t (@targets) {
        my ($port, $path) = @$t;
        for my $name (@CERTS) {
            my $pid = open my $fh, '-|' // die "fork: $!\n";
            if (!$pid) {
                print $self->decide($port, $name, $path);
                close STDOUT;
                POSIX::_exit(0);    # no END blocks in the child
            }
            $pending{"$port$path"}{$name} = $fh;
        }

        # at most one target's certificates at a time
        for my $name (@CERTS) {
            my $fh = $pending{"$port$path"}{$name};
            local $/;
            $pending{"$port$path"}{$name} = <$fh> // '';
            close $fh;
        }
    }

    return \%pending;
}


# The checks of one policy:
#   - certauthz allows exactly the certificates ALLOW ("alice bob"), and
#     refuses eve, mallory and no certificate (as the old server must);
#   - the old server decides as certauthz for every other certificate;
#   - for each certificate of DIFFER (NAME => [OLD, NEW]), the documented
#     difference: the old server decides OLD, certauthz NEW.
sub check_policy {
    my (%a) = @_;
    my ($name, $old, $new, $differ) = @a{qw(name old new differ)};
    $differ //= {};
    my @same = grep { !$differ->{$_} } @CERTS;

    Test::More::is(who($new, 'allow'), $a{allow},
                   "$name: certauthz allows exactly: $a{allow}");
    Test::More::is(who($new, 'refused'), 'eve mallory none',
                   "$name: nginx refuses eve, mallory and no certificate");
    Test::More::is(join("\n", map { "$_: $old->{$_}" } @same),
                   join("\n", map { "$_: $new->{$_}" } @same),
                   "$name: $a{what} and certauthz decide the same for "
                   . scalar(@same) . " certificates");

    for my $c (sort keys %$differ) {
        Test::More::is("$old->{$c} / $new->{$c}", join(' / ', @{ $differ->{$c} }),
                       "$name: $c: $a{what} / certauthz (a documented difference)");
    }
}

# the policies of LANG in the document are those of EXPECT, no more, no less
sub check_policy_names {
    my ($lang, $re, $expect) = @_;
    Test::More::is(join(' ', sort(policies($lang, $re))),
                   join(' ', sort keys %$expect),
                   "docs/migrating.md has a test expectation for each $lang policy");
}


# --- small things --------------------------------------------------------------

sub wait_port {
    my ($port) = @_;
    my $deadline = time + 10;

    while (time < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1);
        if ($s) {
            close $s;
            return 1;
        }
        sleep 0.05;
    }

    return 0;
}

# a file's text, '' if it cannot be read
sub slurp { Certauthz::Test::slurp(@_) }

# the SHA-1 and SHA-256 fingerprints of certificate NAME, lowercase hex
sub fingerprint {
    my ($name, $alg) = @_;
    my $out = `openssl x509 -in $PKI/$name.crt -noout -fingerprint -$alg`;
    die "openssl x509 -fingerprint -$alg $name failed\n" if $?;
    my ($fp) = $out =~ /=([0-9A-Fa-f:]+)$/m or die "no fingerprint: $out\n";
    $fp =~ tr/://d;
    return lc $fp;
}

# "name1 name2 ..." of the certificates whose decision is DECISION
sub who {
    my ($decisions, $decision) = @_;
    return join ' ', grep { $decisions->{$_} eq $decision } @CERTS;
}

1;
