# bash completion for pathwaysctl                          -*- shell-script -*-
#
# The commands and their flags are those of the CLI's usage text
# (client/pathwaysctl.c, `pathwaysctl --help`); keep them in step.
# Installed as share/bash-completion/completions/pathwaysctl.

_pathwaysctl_commands="health roles readiness gap trend path explore modules mentors
bench pipeline placement audit stats map record-assessment record-completion
erase-employee migrate import export keygen token"

_pathwaysctl_globals="--endpoint --json --timeout --server-key --client-key --min-lsn
--db --help --version"

# The flags of one command (without the global ones).
_pathwaysctl_flags()
{
	case $1 in
	roles) echo "--track --area --grade" ;;
	readiness) echo "--role --skip-unknown --estimates --as-of" ;;
	gap) echo "--as-of" ;;
	trend) echo "--role --since --until --svg --bands" ;;
	path) echo "--from-role --from-employee --to --routes --max-steps --kinds --avoid --dot" ;;
	explore) echo "--from-role --from-employee --max-steps --max-cost --limit" ;;
	modules) echo "--max-hours --max-modules" ;;
	mentors) echo "--role --competency --limit" ;;
	bench) echo "--limit --by --min-readiness --successors" ;;
	pipeline) echo "--track --area --grade --by --all --min-ready --svg" ;;
	stats) echo "--prometheus" ;;
	map) echo "--area --employee" ;;
	record-assessment) echo "--file --source --at --all-or-nothing" ;;
	record-completion) echo "--file --at --all-or-nothing" ;;
	import) echo "--replace" ;;
	keygen) echo "--dir --methods --force" ;;
	token) echo "--dir --methods --force" ;;
	esac
}

_pathwaysctl()
{
	local cur prev cmd i w
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# the value of the option before the cursor
	case $prev in
	-e | --endpoint | -t | --timeout | --db | --min-lsn | --track | --area | --grade | \
	--role | --from-role | --from-employee | --to | --routes | --max-steps | \
	--avoid | --max-cost | --limit | --max-hours | --max-modules | \
	--competency | --by | --min-readiness | --employee | --at | --methods | \
	--as-of | --since | --until | --bands | --min-ready)
		return 0
		;;
	--kinds)
		local kinds="promotion lateral track_switch" pre=
		# a comma list: complete the last item
		[[ $cur == *,* ]] && pre=${cur%,*},
		COMPREPLY=($(compgen -P "$pre" -W "$kinds" -- "${cur##*,}"))
		return 0
		;;
	--source)
		COMPREPLY=($(compgen -W "manager self peer certification" -- "$cur"))
		return 0
		;;
	--server-key | --client-key | --file | --svg)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	--dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	esac

	# the command: the first word that is neither an option nor the
	# value of one
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-e | --endpoint | -t | --timeout | --db | --server-key | --client-key | --min-lsn)
			((i++))
			;;
		-*) ;;
		*)
			cmd=$w
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_pathwaysctl_globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_pathwaysctl_commands" -- "$cur"))
		fi
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_pathwaysctl_flags "$cmd") $_pathwaysctl_globals" -- "$cur"))
		return 0
	fi
	case $cmd in
	import | export)
		COMPREPLY=($(compgen -d -- "$cur"))
		;;
	esac
	return 0
}
complete -F _pathwaysctl pathwaysctl
