# Jail2Ban — build, test, run, bench, install.
# `make run` and `make test` are the two set-up commands of the README.

DOTNET   ?= dotnet
CONFIG   ?= Release
PREFIX   ?= /usr/local
DESTDIR  ?=
# Where `make install` puts the configuration: /etc/jail2ban by default,
# or the existing fail2ban tree with `make install CONFDIR=/etc/fail2ban`.
CONFDIR  ?= /etc/jail2ban
UNITDIR  ?= /etc/systemd/system
LIBDIR   ?= $(PREFIX)/lib/jail2ban
BINDIR   ?= $(PREFIX)/bin

EXES     := j2b-server j2b-client j2b-regex
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

.PHONY: all build test run bench install clean format regexgen

all: build

# The shipped filters' regexes, compiled at build time ([GeneratedRegex]); regenerated when a filter changes.
# The file is committed, so a plain `dotnet build` works; ShippedRegexesTests fails when it is stale.
SHIPPED_REGEXES := src/Jail2Ban.Core/Filtering/Generated/ShippedRegexes.g.cs

regexgen:
	$(DOTNET) run --project tools/FilterRegexGen -c $(CONFIG) -- filter.d $(SHIPPED_REGEXES)
	$(DOTNET) run --project tools/FilterRegexGen -c $(CONFIG) --no-build -- --dates src/Jail2Ban.Core/Filtering/Dates/DefaultDateRegexes.g.cs
	@touch $(SHIPPED_REGEXES)

$(SHIPPED_REGEXES): $(wildcard filter.d/*.conf)
	$(MAKE) regexgen

# Publishes the three executables side by side into dist/ (framework-dependent, one
# shared set of assemblies): dist/j2b-server, dist/j2b-client, dist/j2b-regex.
build: $(SHIPPED_REGEXES)
	$(DOTNET) build Jail2Ban.sln -c $(CONFIG)
	@for p in $(EXES); do \
	  $(DOTNET) publish src/$$p/$$p.csproj -c $(CONFIG) -o dist --no-build -p:UseAppHost=true || exit 1; \
	done
	@echo "built: $(addprefix dist/,$(EXES))"

test: build
	scripts/test-summary Jail2Ban.sln -c $(CONFIG) --no-build

run: build
	scripts/run-demo

bench: build
	scripts/bench

format:
	$(DOTNET) format Jail2Ban.sln --verify-no-changes

install: build
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(CONFDIR) $(DESTDIR)$(UNITDIR)
	cp -a dist/. $(DESTDIR)$(LIBDIR)/
	@for p in $(EXES); do ln -sf $(LIBDIR)/$$p $(DESTDIR)$(BINDIR)/$$p; done
	@# Never overwrite an administrator's tree: copy only what is not there yet.
	cp -rn config/. $(DESTDIR)$(CONFDIR)/
	install -d $(DESTDIR)$(CONFDIR)/filter.d $(DESTDIR)$(CONFDIR)/action.d
	cp -n filter.d/* $(DESTDIR)$(CONFDIR)/filter.d/ 2>/dev/null || true
	cp -n action.d/* $(DESTDIR)$(CONFDIR)/action.d/ 2>/dev/null || true
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' \
	  packaging/systemd/jail2ban.service.in > $(DESTDIR)$(UNITDIR)/jail2ban.service

clean:
	rm -rf dist
	$(DOTNET) clean Jail2Ban.sln -c $(CONFIG) >/dev/null
