/* `berth __generate man|bash|zsh [FILE]` (hidden): the manual page berth(1)
 * and the bash and zsh completion scripts, made at build time from the same
 * tables that parse the command line and print --help: the command table
 * (commands.c), each command's option table (read through ctx->describe, so
 * the command itself never runs), the global options (options.c) and the
 * exit codes, environment and files (reference.c). Nothing here is written
 * by hand per command, so a new command or option appears everywhere. */
#include "util/common.h"
#include "cli/cli.h"

#include "util/buf.h"

/* One command as its option table describes it. The strings are the
 * table's own (string literals); the table itself is copied, since it lives
 * on the command's stack. */
struct cmd_doc {
	const struct command *cmd;
	struct option *opts; /* ends with OPT_END */
	char *args, *description;
	bool described;
};

struct doc {
	struct cmd_doc *cmds;
	size_t n;
	struct option global[GLOBAL_OPTIONS_MAX];
	struct cmd_doc *current; /* the command being described */
	struct cmd_doc complete; /* __complete: the options it passes on */
};

static void on_describe(void *arg, const char *name, const struct option *opts,
			const char *args, const char *description)
{
	struct doc *doc = arg;
	struct cmd_doc *c = doc->current;
	size_t n = 0;
	(void)name;
	if (c->described) /* a second parse_options() in the same command */
		return;
	while (opts[n].type != OPT_END)
		n++;
	c->opts = xcalloc(n + 1, sizeof(*c->opts));
	memcpy(c->opts, opts, n * sizeof(*opts));
	c->args = args ? xstrdup(args) : NULL;
	c->description = description ? xstrdup(description) : NULL;
	c->described = true;
}

static int describe_one(struct cli_ctx *ctx, struct doc *doc, struct cmd_doc *c)
{
	struct cli_ctx sub = *ctx;
	const struct cli_describe how = { on_describe, doc };
	char *argv[] = { (char *)c->cmd->name, NULL };
	sub.describe = &how;
	doc->current = c;
	c->cmd->run(&sub, 1, argv);
	if (!c->described) {
		cli_error(ctx, "__generate: command '%s' did not describe its options: its run "
			       "function must call parse_options() before anything else",
			  c->cmd->name);
		return -1;
	}
	return 0;
}

static void doc_release(struct doc *doc)
{
	for (size_t i = 0; i < doc->n; i++) {
		free(doc->cmds[i].opts);
		free(doc->cmds[i].args);
		free(doc->cmds[i].description);
	}
	free(doc->cmds);
	free(doc->complete.opts);
	free(doc->complete.args);
	free(doc->complete.description);
}

static int doc_load(struct cli_ctx *ctx, struct doc *doc)
{
	memset(doc, 0, sizeof(*doc));
	cli_global_options(ctx, doc->global);
	doc->cmds = xcalloc(berth_commands_count, sizeof(*doc->cmds));
	for (size_t i = 0; i < berth_commands_count; i++) {
		const struct command *c = &berth_commands[i];
		if (!strcmp(c->name, "__complete")) {
			doc->complete.cmd = c;
			if (describe_one(ctx, doc, &doc->complete))
				return -1;
		}
		if (c->flags & HIDDEN)
			continue;
		doc->cmds[doc->n].cmd = c;
		if (describe_one(ctx, doc, &doc->cmds[doc->n++]))
			return -1;
	}
	return 0;
}

/* ---- berth(1) ---- */

/* Text for roff: backslashes and hyphens escaped (so `--file` stays ASCII
 * and can be searched), and a leading '.' or '\'' made literal. */
static void roff(struct buf *b, const char *s)
{
	if (*s == '.' || *s == '\'')
		buf_adds(b, "\\&");
	for (; *s; s++) {
		if (*s == '\\')
			buf_adds(b, "\\e");
		else if (*s == '-')
			buf_adds(b, "\\-");
		else
			buf_addch(b, *s);
	}
}

/* A description as help prints it: lines wrapped for 80 columns, indented
 * lines are examples. Runs of plain lines become one filled paragraph. */
static void roff_description(struct buf *b, const char *text)
{
	bool in_para = false, in_example = false;
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		char *line = xstrndup(p, n);
		p += n + (p[n] == '\n');
		if (line[0] == ' ') {
			if (!in_example)
				buf_adds(b, "\n.PP\n.RS 2\n.nf\n");
			in_example = true;
			in_para = false;
			roff(b, line + strspn(line, " "));
			buf_addch(b, '\n');
		} else {
			if (in_example)
				buf_adds(b, ".fi\n.RE\n");
			in_example = false;
			if (!line[0]) {
				in_para = false;
			} else {
				buf_adds(b, in_para ? "\n" : "\n.PP\n");
				roff(b, line);
				in_para = true;
			}
		}
		free(line);
	}
	if (in_example)
		buf_adds(b, ".fi\n.RE\n");
	buf_addch(b, '\n');
}

static void roff_options(struct buf *b, const struct option *opts)
{
	for (; opts->type != OPT_END; opts++) {
		struct buf label = BUF_INIT, help = BUF_INIT;
		cli_option_label(&label, opts);
		cli_option_help(&help, opts);
		buf_adds(b, ".TP\n.B ");
		roff(b, label.ptr + strspn(label.ptr, " "));
		buf_addch(b, '\n');
		roff(b, help.ptr);
		buf_addch(b, '\n');
		buf_release(&label);
		buf_release(&help);
	}
}

static void roff_reference(struct buf *b, const struct cli_reference *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_adds(b, ".TP\n.B ");
		roff(b, r[i].name);
		buf_addch(b, '\n');
		roff(b, r[i].meaning);
		buf_adds(b, ".\n");
	}
}

static void man_page(struct buf *b, const struct doc *doc)
{
	buf_addf(b, ".\\\" berth(1), generated by `berth __generate man` from berth's command and\n"
		    ".\\\" option tables (src/cli/commands.c, options.c, reference.c): edit those.\n"
		    ".TH BERTH 1 \"\" \"berth %s\" \"User Commands\"\n"
		    ".nh\n.ad l\n", BERTH_VERSION);
	buf_adds(b, ".SH NAME\nberth \\- make AWS match a declarative YAML spec\n"
		    ".SH SYNOPSIS\n.B berth\n[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR "
		    "[\\fIOPTIONS\\fR] [\\fIARGS\\fR]\n.br\n.B berth\n\\fICOMMAND\\fR \\-\\-help\n");
	buf_adds(b, ".SH DESCRIPTION\n"
		    "berth provisions AWS resources from a YAML spec. \\fBplan\\fR shows what would "
		    "change, \\fBapply\\fR changes it, \\fBdestroy\\fR removes everything the stack "
		    "owns. Resources are found by their tags (berth:stack, berth:id), so the local "
		    "state in .berth/ is only a cache.\n"
		    ".PP\nGlobal options may come before or after the command.\n");
	buf_adds(b, ".SH COMMANDS\n");
	for (size_t i = 0; i < doc->n; i++) {
		const struct cmd_doc *c = &doc->cmds[i];
		buf_adds(b, ".SS \"berth ");
		roff(b, c->cmd->name);
		buf_adds(b, "\"\n.B berth ");
		roff(b, c->cmd->name);
		buf_addch(b, '\n');
		for (const struct option *o = c->opts; o->type != OPT_END; o++) {
			struct buf syn = BUF_INIT, esc = BUF_INIT;
			cli_option_synopsis(&syn, o);
			roff(&esc, syn.ptr);
			/* never break inside "[--var K=V]" */
			for (const char *p = esc.ptr; *p; p++) {
				if (*p == ' ')
					buf_addch(b, '\\');
				buf_addch(b, *p);
			}
			buf_addch(b, '\n');
			buf_release(&syn);
			buf_release(&esc);
		}
		if (c->args) {
			roff(b, c->args);
			buf_addch(b, '\n');
		}
		/* The summary as a sentence. */
		buf_adds(b, ".PP\n");
		char *summary = xstrdup(c->cmd->summary);
		if (summary[0] >= 'a' && summary[0] <= 'z')
			summary[0] = (char)(summary[0] - 'a' + 'A');
		roff(b, summary);
		buf_adds(b, ".\n");
		free(summary);
		if (c->description)
			roff_description(b, c->description);
		roff_options(b, c->opts);
	}
	buf_adds(b, ".SH GLOBAL OPTIONS\n");
	roff_options(b, doc->global);
	roff_options(b, berth_top_options);
	buf_adds(b, ".SH ENVIRONMENT\n");
	roff_reference(b, berth_environment, berth_environment_count);
	buf_adds(b, ".SH EXIT STATUS\n");
	roff_reference(b, berth_exit_codes, berth_exit_codes_count);
	buf_adds(b, ".SH FILES\n");
	roff_reference(b, berth_files, berth_files_count);
	buf_adds(b, ".SH SEE ALSO\n"
		    "README.md, plan\\-json.md (the format of plan \\-\\-json) and types.md (every "
		    "resource type and property) in the documentation folder, "
		    "/usr/share/doc/berth when installed from the package;\n"
		    ".BR git (1),\n.BR aws (1).\n");
}

/* ---- completion scripts ---- */

/* Words of a positional synopsis ("(list | show ADDRESS)", "[PLAN]"): literal
 * lower-case words are completed as themselves, upper-case ones by kind. */
enum arg_kind { ARG_FILES = 1, ARG_ADDRESSES = 2, ARG_COMMANDS = 4, ARG_TYPES = 8 };

static unsigned args_kinds(const char *args, struct strvec *literals)
{
	unsigned k = 0;
	const char *p = args ? args : "";
	while (*p) {
		size_t skip = strspn(p, " []|.()");
		p += skip;
		size_t n = strcspn(p, " []|.()");
		if (!n)
			continue;
		char *w = xstrndup(p, n);
		p += n;
		if (!strcmp(w, "PLAN") || !strcmp(w, "FILE") || !strcmp(w, "SPEC"))
			k |= ARG_FILES;
		else if (!strcmp(w, "ADDRESS"))
			k |= ARG_ADDRESSES;
		else if (!strcmp(w, "COMMAND"))
			k |= ARG_COMMANDS;
		else if (!strcmp(w, "TYPE"))
			k |= ARG_TYPES;
		else if (w[0] >= 'a' && w[0] <= 'z')
			strvec_push(literals, w);
		free(w);
	}
	return k;
}

/* "-f --file" for a word list (sep " "), "-f|--file" for a case pattern. */
static void option_names(struct buf *b, const struct option *o, char sep)
{
	if (o->short_name)
		buf_addf(b, "-%c%c", o->short_name, sep);
	buf_addf(b, "--%s", o->long_name);
}

/* The bash `case` patterns of the options taking a value, by what completes
 * it; `opts` may be NULL. */
static void bash_value_cases(struct buf *b, const struct option *opts, const char *indent)
{
	static const char *const how[] = {
		[OPT_C_NONE] = "return 0",
		[OPT_C_FILE] = "_berth_files; return 0",
		[OPT_C_ADDRESS] = "_berth_dynamic addresses; return 0",
		[OPT_C_STACK] = "_berth_dynamic stacks; return 0",
		[OPT_C_PROFILE] = "_berth_dynamic profiles; return 0",
	};
	for (int kind = OPT_C_NONE; kind <= OPT_C_PROFILE; kind++) {
		struct buf pat = BUF_INIT;
		for (const struct option *o = opts; o && o->type != OPT_END; o++) {
			if (!cli_option_takes_value(o) || (int)cli_option_complete(o) != kind)
				continue;
			if (pat.len)
				buf_addch(&pat, '|');
			option_names(&pat, o, '|');
		}
		if (pat.len)
			buf_addf(b, "%s%s) %s ;;\n", indent, pat.ptr, how[kind]);
		buf_release(&pat);
	}
}

static void bash_word_list(struct buf *b, const struct option *opts)
{
	for (const struct option *o = opts; o->type != OPT_END; o++) {
		if (b->len && b->ptr[b->len - 1] != ' ')
			buf_addch(b, ' ');
		option_names(b, o, ' ');
	}
}

static void bash_script(struct buf *b, const struct doc *doc)
{
	struct buf names = BUF_INIT, globals = BUF_INIT, passed = BUF_INIT;
	for (size_t i = 0; i < doc->n; i++)
		buf_addf(&names, "%s%s", i ? " " : "", doc->cmds[i].cmd->name);
	bash_word_list(&globals, doc->global);
	buf_addch(&globals, ' ');
	bash_word_list(&globals, berth_top_options);
	/* What `berth __complete` needs to find the spec: its own options. */
	for (const struct option *o = doc->complete.opts; o->type != OPT_END; o++) {
		if (passed.len)
			buf_addch(&passed, '|');
		option_names(&passed, o, '|');
	}

	buf_adds(b, "# bash completion for berth(1): commands, options, resource addresses of\n"
		    "# the spec for --target/--exclude, stack names from .berth/ for --stack.\n"
		    "# Generated by `berth __generate bash` from berth's command and option\n"
		    "# tables; do not edit. Needs no bash-completion helpers.\n\n");
	buf_addf(b, "_berth_files() {\n"
		    "\tcompopt -o filenames 2>/dev/null\n"
		    "\tlocal IFS=$'\\n'\n"
		    "\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
		    "}\n\n"
		    "# Candidates berth lists without calling AWS; the spec options given so far\n"
		    "# on the line are passed on. Quoted for the shell (printf %%q), since\n"
		    "# addresses hold brackets and quotes: topic[\"orders\"].\n"
		    "_berth_dynamic() {\n"
		    "\tlocal i=1 pass=() line\n"
		    "\twhile [ \"$i\" -lt \"$COMP_CWORD\" ]; do\n"
		    "\t\tcase ${COMP_WORDS[i]} in\n"
		    "\t\t%s) pass+=(\"${COMP_WORDS[i]}\" \"${COMP_WORDS[i+1]}\"); i=$((i+1)) ;;\n"
		    "\t\tesac\n"
		    "\t\ti=$((i+1))\n"
		    "\tdone\n"
		    "\tCOMPREPLY=()\n"
		    "\twhile IFS= read -r line; do\n"
		    "\t\t[[ $line == \"$cur\"* ]] && COMPREPLY+=(\"$(printf '%%q' \"$line\")\")\n"
		    "\tdone < <(\"${COMP_WORDS[0]}\" __complete \"$1\" \"${pass[@]}\" 2>/dev/null)\n"
		    "}\n\n",
		    passed.ptr);
	buf_adds(b, "_berth() {\n"
		    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i=1 colon=\n"
		    "\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
		    "\t# --opt=value: bash splits at '=' (COMP_WORDBREAKS)\n"
		    "\tif [ \"$cur\" = \"=\" ]; then cur=; elif [ \"$prev\" = \"=\" ]; then "
		    "prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
		    "\t# and at ':' (AWS::EC2::VPC): match the whole word, answer past the last ':'\n"
		    "\tlocal word=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}\n"
		    "\tword=${word##*[[:space:]]}\n"
		    "\tword=${word#*=}\n"
		    "\tif [[ $word == *:* && $word == *\"$cur\" ]]; then\n"
		    "\t\tcur=$word\n"
		    "\t\tcolon=${word%\"${word##*:}\"}\n"
		    "\tfi\n"
		    "\t_berth_words\n"
		    "\t[ -z \"$colon\" ] || COMPREPLY=(\"${COMPREPLY[@]#\"$colon\"}\")\n"
		    "}\n\n"
		    "# Sets COMPREPLY from cur and prev (set by _berth).\n"
		    "_berth_words() {\n"
		    "\t# The command: the first word that is neither an option nor its value.\n"
		    "\twhile [ \"$i\" -lt \"$COMP_CWORD\" ]; do\n"
		    "\t\tcase ${COMP_WORDS[i]} in\n");
	{
		struct buf pat = BUF_INIT;
		for (const struct option *o = doc->global; o->type != OPT_END; o++)
			if (cli_option_takes_value(o)) {
				if (pat.len)
					buf_addch(&pat, '|');
				option_names(&pat, o, '|');
			}
		if (pat.len)
			buf_addf(b, "\t\t%s) i=$((i+1)) ;;\n", pat.ptr);
		buf_release(&pat);
	}
	buf_adds(b, "\t\t-*) ;;\n"
		    "\t\t*) cmd=${COMP_WORDS[i]}; break ;;\n"
		    "\t\tesac\n"
		    "\t\ti=$((i+1))\n"
		    "\tdone\n"
		    "\tcase $prev in\n");
	bash_value_cases(b, doc->global, "\t");
	buf_adds(b, "\tesac\n");
	buf_addf(b, "\tlocal opts=\"%s\" words=\n", globals.ptr);
	buf_adds(b, "\tcase $cmd in\n");
	buf_addf(b, "\t\"\") words=\"%s\" ;;\n", names.ptr);
	for (size_t i = 0; i < doc->n; i++) {
		const struct cmd_doc *c = &doc->cmds[i];
		struct buf own = BUF_INIT;
		struct strvec lit = STRVEC_INIT;
		unsigned kinds = args_kinds(c->args, &lit);
		bash_word_list(&own, c->opts);
		buf_addf(b, "\t%s)\n\t\tcase $prev in\n", c->cmd->name);
		bash_value_cases(b, c->opts, "\t\t");
		buf_adds(b, "\t\tesac\n");
		if (own.len)
			buf_addf(b, "\t\topts=\"%s $opts\"\n", own.ptr);
		if (lit.n || (kinds & ARG_COMMANDS)) {
			buf_adds(b, "\t\twords=\"");
			for (size_t j = 0; j < lit.n; j++)
				buf_addf(b, "%s%s", j ? " " : "", lit.v[j]);
			if (kinds & ARG_COMMANDS)
				buf_addf(b, "%s%s", lit.n ? " " : "", names.ptr);
			buf_adds(b, "\"\n");
		}
		/* Dynamic positional candidates, when the word is not an option. */
		if (kinds & (ARG_FILES | ARG_ADDRESSES | ARG_TYPES)) {
			buf_adds(b, "\t\tif [[ $cur != -* ]]; then\n");
			if (kinds & ARG_ADDRESSES)
				buf_adds(b, "\t\t\t_berth_dynamic addresses\n");
			else if (kinds & ARG_TYPES)
				buf_adds(b, "\t\t\t_berth_dynamic types\n");
			else
				buf_adds(b, "\t\t\t_berth_files\n");
			if (lit.n)
				buf_adds(b, "\t\t\tlocal IFS=$'\\n'\n"
					    "\t\t\tCOMPREPLY+=($(compgen -W \"${words// /$'\\n'}\" -- \"$cur\"))\n");
			buf_adds(b, "\t\t\treturn 0\n\t\tfi\n");
		}
		buf_adds(b, "\t\t;;\n");
		strvec_clear(&lit);
		buf_release(&own);
	}
	buf_adds(b, "\tesac\n"
		    "\tif [[ $cur == -* ]]; then\n"
		    "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
		    "\telse\n"
		    "\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
		    "\tfi\n"
		    "}\n\n"
		    "complete -F _berth berth\n");
	buf_release(&names);
	buf_release(&globals);
	buf_release(&passed);
}

/* zsh quoting: inside '...' only the quote itself needs care; inside an
 * _arguments description, brackets and colons are escaped too. */
static void zsh_text(struct buf *b, const char *s, bool in_spec)
{
	for (; *s; s++) {
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else if (in_spec && (*s == '[' || *s == ']' || *s == ':' || *s == '\\'))
			buf_addf(b, "\\%c", *s);
		else
			buf_addch(b, *s);
	}
}

static void zsh_option_specs(struct buf *b, const struct option *opts, const char *indent)
{
	static const char *const how[] = {
		[OPT_C_NONE] = "",
		[OPT_C_FILE] = "_files",
		[OPT_C_ADDRESS] = "_berth_dynamic addresses",
		[OPT_C_STACK] = "_berth_dynamic stacks",
		[OPT_C_PROFILE] = "_berth_dynamic profiles",
	};
	for (const struct option *o = opts; o->type != OPT_END; o++) {
		bool many = o->type == OPT_STRING_LIST || o->type == OPT_COUNT;
		bool value = cli_option_takes_value(o);
		struct buf help = BUF_INIT;
		buf_adds(&help, o->help ? o->help : "");
		for (int form = 0; form < 2; form++) {
			if (form == 0 && !o->short_name)
				continue;
			buf_addf(b, "%s'", indent);
			if (many)
				buf_addch(b, '*');
			else if (o->short_name)
				buf_addf(b, "(-%c --%s)", o->short_name, o->long_name);
			if (form == 0)
				buf_addf(b, "-%c%s", o->short_name, value ? "+" : "");
			else
				buf_addf(b, "--%s%s", o->long_name,
					 value ? "=" : o->type == OPT_BOOL ? "=-" : "");
			buf_addch(b, '[');
			zsh_text(b, help.ptr, true);
			buf_addch(b, ']');
			if (value) {
				buf_addch(b, ':');
				zsh_text(b, o->argh ? o->argh : "VALUE", true);
				buf_addf(b, ":%s", how[cli_option_complete(o)]);
			} else if (o->type == OPT_BOOL && form == 1) {
				buf_adds(b, "::BOOL:(true false)");
			}
			buf_adds(b, "'\n");
		}
		buf_release(&help);
	}
}

static void zsh_script(struct buf *b, const struct doc *doc)
{
	struct buf passed = BUF_INIT;
	for (const struct option *o = doc->complete.opts; o->type != OPT_END; o++) {
		if (passed.len)
			buf_addch(&passed, '|');
		option_names(&passed, o, '|');
	}
	buf_adds(b, "#compdef berth\n"
		    "# zsh completion for berth(1): commands, options, resource addresses of the\n"
		    "# spec for --target/--exclude, stack names from .berth/ for --stack.\n"
		    "# Generated by `berth __generate zsh` from berth's command and option tables;\n"
		    "# do not edit.\n\n");
	buf_addf(b, "# Candidates berth lists without calling AWS; the spec options given so far\n"
		    "# on the line are passed on. The kind comes last: _arguments puts compadd\n"
		    "# options (-J group ...) before it.\n"
		    "_berth_dynamic() {\n"
		    "\tlocal kind=${@[-1]}\n"
		    "\tlocal -a pass items\n"
		    "\tlocal i\n"
		    "\tfor (( i = 1; i < CURRENT; i++ )); do\n"
		    "\t\tcase $words[i] in\n"
		    "\t\t(%s) pass+=(\"$words[i]\" \"$words[i+1]\"); (( i++ )) ;;\n"
		    "\t\tesac\n"
		    "\tdone\n"
		    "\titems=(${(f)\"$(${_berth_bin:-berth} __complete $kind \"${pass[@]}\" 2>/dev/null)\"})\n"
		    "\tcompadd \"${@[1,-2]}\" -a items\n"
		    "}\n\n",
		    passed.ptr);
	buf_adds(b, "_berth() {\n"
		    "\tlocal curcontext=$curcontext state state_descr line ret=1\n"
		    "\tlocal -A opt_args\n"
		    "\tlocal _berth_bin=$words[1]\n"
		    "\tlocal -a globals commands\n"
		    "\tglobals=(\n");
	zsh_option_specs(b, doc->global, "\t\t");
	zsh_option_specs(b, berth_top_options, "\t\t");
	buf_adds(b, "\t)\n\tcommands=(\n");
	for (size_t i = 0; i < doc->n; i++) {
		buf_addf(b, "\t\t'%s:", doc->cmds[i].cmd->name);
		zsh_text(b, doc->cmds[i].cmd->summary, false);
		buf_adds(b, "'\n");
	}
	buf_adds(b, "\t)\n"
		    "\t_arguments -C $globals ': :->command' '*:: :->args' && ret=0\n"
		    "\tcase $state in\n"
		    "\tcommand) _describe -t commands 'berth command' commands && ret=0 ;;\n"
		    "\targs)\n"
		    "\t\tcurcontext=${curcontext%:*:*}:berth-$words[1]:\n"
		    "\t\tcase $words[1] in\n");
	for (size_t i = 0; i < doc->n; i++) {
		const struct cmd_doc *c = &doc->cmds[i];
		struct strvec lit = STRVEC_INIT;
		unsigned kinds = args_kinds(c->args, &lit);
		buf_addf(b, "\t\t(%s)\n\t\t\t_arguments $globals \\\n", c->cmd->name);
		struct buf specs = BUF_INIT;
		zsh_option_specs(&specs, c->opts, "\t\t\t\t");
		/* one spec per line, continued */
		for (char *line = specs.ptr; *line;) {
			char *nl = strchr(line, '\n');
			buf_add(b, line, (size_t)(nl - line));
			buf_adds(b, " \\\n");
			line = nl + 1;
		}
		buf_release(&specs);
		if (kinds || lit.n) {
			/* Every kind the synopsis names, one after the other. */
			buf_adds(b, "\t\t\t\t'*:argument:{");
			if (lit.n) {
				buf_adds(b, "compadd -");
				for (size_t j = 0; j < lit.n; j++)
					buf_addf(b, " %s", lit.v[j]);
				buf_adds(b, "; ");
			}
			if (kinds & ARG_COMMANDS) {
				buf_adds(b, "compadd -");
				for (size_t j = 0; j < doc->n; j++)
					buf_addf(b, " %s", doc->cmds[j].cmd->name);
				buf_adds(b, "; ");
			}
			if (kinds & ARG_ADDRESSES)
				buf_adds(b, "_berth_dynamic addresses; ");
			if (kinds & ARG_TYPES)
				buf_adds(b, "_berth_dynamic types; ");
			if (kinds & ARG_FILES)
				buf_adds(b, "_files; ");
			buf_setlen(b, b->len - 2); /* the last "; " */
			buf_adds(b, "}");
			buf_adds(b, "' \\\n");
		}
		buf_adds(b, "\t\t\t\t&& ret=0 ;;\n");
		strvec_clear(&lit);
	}
	buf_adds(b, "\t\tesac ;;\n"
		    "\tesac\n"
		    "\treturn ret\n"
		    "}\n\n"
		    "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
		    "\t_berth \"$@\"\n"
		    "else\n"
		    "\tcompdef _berth berth\n"
		    "fi\n");
	buf_release(&passed);
}

int cmd_generate(struct cli_ctx *ctx, int argc, char **argv)
{
	struct doc doc = { 0 };
	struct buf out = BUF_INIT;
	int rc = EXIT_FAIL;
	int n = parse_options(ctx, argc, argv, NULL, "man | bash | zsh [FILE]",
			      "Prints berth(1) in roff, or the bash or zsh completion script, made "
			      "from the\ncommand and option tables; to FILE when given. The build "
			      "runs it.");
	if (n < 0)
		return parse_exit(n);
	if (n < 1 || n > 2) {
		cli_error(ctx, "__generate: expected man, bash or zsh, and optionally a file");
		return EXIT_FAIL;
	}
	if (doc_load(ctx, &doc))
		goto cleanup;
	if (!strcmp(argv[1], "man"))
		man_page(&out, &doc);
	else if (!strcmp(argv[1], "bash"))
		bash_script(&out, &doc);
	else if (!strcmp(argv[1], "zsh"))
		zsh_script(&out, &doc);
	else {
		cli_error(ctx, "__generate: unknown output '%s' (man, bash or zsh)", argv[1]);
		goto cleanup;
	}
	if (n == 2) {
		FILE *f = fopen(argv[2], "w");
		bool ok = f && fwrite(out.ptr, 1, out.len, f) == out.len;
		if (f && fclose(f))
			ok = false;
		if (!ok) {
			cli_error(ctx, "__generate: cannot write %s: %s", argv[2], strerror(errno));
			goto cleanup;
		}
	} else {
		fwrite(out.ptr, 1, out.len, ctx->out);
	}
	rc = EXIT_OK;
cleanup:
	doc_release(&doc);
	buf_release(&out);
	return rc;
}
