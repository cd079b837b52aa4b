"""Report narratives in the plain form: stored parts that are an earlier default text become the new default

The narrative editor (issue 15) writes each part as plain text with named placeholders in Chinese brackets
(〔主动公开总数〕) and conditions (〔若…为零〕…〔否则〕…〔结束〕) instead of Jinja (docs/report.md §4). A
stored part that is word for word one of the earlier default templates (saving the editor stored every
part, changed or not) becomes the new default text: the same report as the latest earlier default, and
the current wording where an older default predates a change (e.g. 「七部分」 since part 七 exists). Any other stored text
is an admin's own: it is left as it is and keeps rendering (the editor converts it when it maps cleanly
and otherwise says it uses the older syntax). The downgrade turns the new default back into the latest
earlier one. The texts are frozen here: later edits of config/report_templates/narrative.toml do not
change what this migration did.

Revision ID: 0031
Revises: 0030
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

#: section → the default templates of earlier versions (oldest first), word for word
OLD_DEFAULTS: dict[str, tuple[str, ...]] = {
    'preamble': (
        '根据《高等学校信息公开办法》（教育部令第29号）和《教育部关于公布〈高等学校信息公开事项清单〉的通知》（教办函〔2014〕23号，以下简称《清单》）要求，{{ institution }}编制了{{ year_label }}{{ period_unit }}信息公开年度报告。本报告由概述、主动公开情况、依申请公开情况、评议情况、举报复议诉讼情况、主要问题和改进措施六部分组成，并附清单事项公开情况表。报告中所列数据的统计期限为{{ period_text }}。',
        '根据《高等学校信息公开办法》（教育部令第29号）和《教育部关于公布〈高等学校信息公开事项清单〉的通知》（教办函〔2014〕23号，以下简称《清单》）要求，{{ institution }}编制了{{ year_label }}{{ period_unit }}信息公开年度报告。本报告由概述、主动公开情况、依申请公开情况、评议情况、举报复议诉讼情况、主要问题和改进措施、其他需要报告的事项七部分组成，并附清单事项公开情况表。报告中所列数据的统计期限为{{ period_text }}。',
    ),
    'overview': (
        '本学年，{{ institution }}坚持以习近平新时代中国特色社会主义思想为指导，把信息公开作为促进依法治校的重要抓手，深化思想认识，压实主体责任，不断提升信息公开工作质效。为保障师生员工、社会公众和上级组织依法获取学校信息，学校认真按照上级关于信息公开工作的要求和部署，明确责任分工、强化制度落实、畅通公开渠道，提高了学校工作透明度，充分保障了广大师生员工和社会公众的知情权、参与权、表达权和监督权。\n学校信息公开工作主要包括以下几个方面：\n（一）健全信息公开组织\n学校成立了信息公开工作领导小组，成员由各职能部门主要负责人组成。领导小组下设信息公开办公室，负责信息公开的日常工作，加强了信息公开工作的督促检查及任务落实。各职能部门各负其责，师生积极参与，进一步完善了信息公开工作机制，保证了信息公开工作的有效开展。\n（二）加强信息公开培训\n学校认真落实信息公开制度，组织各部门信息公开工作负责人就信息公开目录设置、信息公开网站信息发布、信息公开与保密审查要求、信息公开工作中存在的问题等具体工作开展了研讨和培训，从源头上保障信息公开前的保密审查。\n（三）畅通信息公开渠道\n学校坚持“以公开为常态，不公开为例外”的原则，结合学校实际，采取多种形式公开信息。公开信息的渠道和方式有：{{ channels_text }}。\n（四）做好信息公开的保密审查\n学校认真贯彻执行《中华人民共和国保守国家秘密法》等法律法规和文件精神，坚持“先审查、后公开”和“一事一审”的原则，对拟公开信息逐项进行保密审查，妥善处理公开与保密的关系，既防止不断扩大保密范围损害公众的知情权，又防止失泄密事件的发生。{% if secrecy_review.reviewed %}本学年共对{{ secrecy_review.reviewed }}条拟公开信息进行了保密审查，退回修改{{ secrecy_review.returned }}条{% if secrecy_review.taken_down %}，对公开后发现问题的{{ secrecy_review.taken_down }}条信息及时撤下{% endif %}。{% endif %}',
    ),
    'active': (
        '本学年，学校对照《清单》要求，通过{{ channels_text }}等形式，主动公开学校、各部门相关信息。具体内容包括：\n（一）主动公开信息情况\n1．主动公开信息数量：\n本学年，全校新增的主动公开信息共{{ active.total }}条，其中通过网络方式公开的信息数达{{ active.network }}条。{% if active.timeliness.within_deadline_share is not none %}在信息形成或变更之日起20个工作日内公开的占{{ active.timeliness.within_deadline_share | pct }}{% if active.timeliness.median_workdays is not none %}，从信息形成到公开用时的中位数为{{ active.timeliness.median_workdays | num }}个工作日{% endif %}。{% endif %}\n2．主动公开信息内容：\n（1）学校基本情况的信息。包括学校名称、办学地点、办学性质、办学宗旨、办学层次、办学规模，内部管理体制、机构设置等基本信息。\n（2）学校文件、规章制度、统计数据等有关信息。包括一学年来学校制定和发布的各类规范性文件，学校教育教学、科学研究和社会服务等方面的发展规划、工作计划以及统计数据等信息。\n（3）学校公共资源信息。包括师资队伍、招生信息、收费标准、教学资源、大型仪器设备等公共资源信息。\n（4）与师生员工利益密切相关和社会比较关注的重要事项。重点包括各类学生招生信息；学生学籍管理、帮困助学、学生奖励、就业指导等信息；教职工培训、人事任免、招考录用、职称评审等人事工作信息；科研项目申报、科研奖励等科研管理信息；后勤保卫信息；财务规章制度、年度财务收支情况等财务信息。\n3．主动公开信息的方式和途径：\n{% if channels %}本学年各渠道公开信息数量为：{% for ch in channels %}{{ ch.label }}{{ ch.count }}条{% if not loop.last %}、{% endif %}{% endfor %}（同一信息通过多个渠道公开的，分别计数）。{% else %}本学年暂无按渠道统计的公开信息。{% endif %}\n（二）清单事项公开情况\n对照《清单》所列{{ coverage.total }}项事项，本学年有{{ coverage.covered }}项公开了相关信息{% if coverage.uncovered %}，{{ coverage.uncovered }}项本学年无新增信息或不适用于本校{% endif %}。逐项公开情况及栏目链接见附表《清单事项公开情况表》。',
        '本学年，学校对照《清单》要求，通过{{ channels_text }}等形式，主动公开学校、各部门相关信息。具体内容包括：\n（一）主动公开信息情况\n1．主动公开信息数量：\n本学年，全校新增的主动公开信息共{{ active.total }}条，其中通过网络方式公开的信息数达{{ active.network }}条。{% if active.timeliness.within_deadline_share is not none %}在信息形成或变更之日起20个工作日内公开的占{{ active.timeliness.within_deadline_share | pct }}{% if active.timeliness.median_workdays is not none %}，从信息形成到公开用时的中位数为{{ active.timeliness.median_workdays | num }}个工作日{% endif %}。{% endif %}\n2．主动公开信息内容：\n（1）学校基本情况的信息。包括学校名称、办学地点、办学性质、办学宗旨、办学层次、办学规模，内部管理体制、机构设置等基本信息。\n（2）学校文件、规章制度、统计数据等有关信息。包括一学年来学校制定和发布的各类规范性文件，学校教育教学、科学研究和社会服务等方面的发展规划、工作计划以及统计数据等信息。\n（3）学校公共资源信息。包括师资队伍、招生信息、收费标准、教学资源、大型仪器设备等公共资源信息。\n（4）与师生员工利益密切相关和社会比较关注的重要事项。重点包括各类学生招生信息；学生学籍管理、帮困助学、学生奖励、就业指导等信息；教职工培训、人事任免、招考录用、职称评审等人事工作信息；科研项目申报、科研奖励等科研管理信息；后勤保卫信息；财务规章制度、年度财务收支情况等财务信息。\n3．主动公开信息的方式和途径：\n{% if channels %}本学年各渠道公开信息数量为：{% for ch in channels %}{{ ch.label }}{{ ch.count }}条{% if not loop.last %}、{% endif %}{% endfor %}（同一信息通过多个渠道公开的，分别计数）。{% else %}本学年暂无按渠道统计的公开信息。{% endif %}\n（二）清单事项公开情况\n对照《清单》所列{{ coverage.total }}项事项，本学年有{{ coverage.covered }}项公开了相关信息{% if coverage.uncovered %}，{{ coverage.uncovered }}项本学年无新增信息{% endif %}{% if coverage.not_applicable %}，{{ coverage.not_applicable }}项不适用于本校{% endif %}。逐项公开情况及栏目链接见附表《清单事项公开情况表》。',
    ),
    'applications': (
        '学校已在信息公开实施细则中明确了依申请公开的受理机构和程序，并在网站上公开了受理程序。{% if applications.received == 0 and applications.carried_over == 0 %}本学年未收到需受理或答复的师生和公众信息公开的申请{% if fees.count == 0 %}，信息公开工作未发生收费情况{% endif %}。{% else %}本学年共收到信息公开申请{{ applications.received }}件{% if applications.carried_over %}，上学年结转{{ applications.carried_over }}件{% endif %}，已答复{{ applications.replied }}件{% if outcomes %}，其中{% for o in outcomes %}{{ o.label }}{{ o.count }}件{% if not loop.last %}、{% endif %}{% endfor %}{% endif %}{% if applications.carried_forward %}，结转下学年继续办理{{ applications.carried_forward }}件{% endif %}。{% if fees.count %}依申请公开收费{{ fees.count }}笔，共收取费用{{ fees.charged_total | money }}元，减免费用{{ fees.waived_total | money }}元。{% else %}信息公开工作未发生收费情况。{% endif %}{% endif %}',
    ),
    'complaints': (
        '{% if complaints.reports == 0 and complaints.reconsiderations == 0 and complaints.lawsuits == 0 %}本学年学校无因信息公开工作而被申请行政复议、行政诉讼或举报情况。{% else %}本学年学校因信息公开工作被举报{{ complaints.reports }}件，被申请行政复议{{ complaints.reconsiderations }}件，被提起行政诉讼{{ complaints.lawsuits }}件{% if complaint_outcomes %}。办理结果：{% for o in complaint_outcomes %}{{ o.label }}{{ o.count }}件{% if not loop.last %}、{% endif %}{% endfor %}{% endif %}。{% endif %}',
        '{% if complaints_total == 0 %}本学年学校无因信息公开工作而被申请行政复议、行政诉讼或举报情况。{% else %}本学年学校因信息公开工作被举报{{ complaints.reports.total }}件，被申请行政复议{{ complaints.reconsideration.total }}件，被提起行政诉讼{{ lawsuits_total }}件（其中未经复议直接起诉{{ complaints.litigation_direct.total }}件、复议后起诉{{ complaints.litigation_after_reconsideration.total }}件）{% for r in complaint_rows if r.outcomes %}{% if loop.first %}。办理结果：{% else %}；{% endif %}{{ r.label }}{% for o in r.outcomes %}{{ o.label }}{{ o.count }}件{% if not loop.last %}、{% endif %}{% endfor %}{% endfor %}。详见下表。{% endif %}',
    ),
    'other_matters': (
        '{% if fees.charged_total %}本学年依申请公开共收取信息处理费{{ fees.charged_total | money }}元{% if fees.count %}（{{ fees.count }}笔）{% endif %}{% if fees.waived_total %}，减免{{ fees.waived_total | money }}元{% endif %}。{% else %}本学年未收取信息处理费{% if fees.waived_total %}（减免{{ fees.waived_total | money }}元）{% endif %}。{% endif %}\n本学年无其他需要报告的事项。',
    ),
}
#: section → the default text in the plain form
NEW_DEFAULTS: dict[str, str] = {
    'preamble': '根据《高等学校信息公开办法》（教育部令第29号）和《教育部关于公布〈高等学校信息公开事项清单〉的通知》（教办函〔2014〕23号，以下简称《清单》）要求，〔学校名称〕编制了〔报告年度〕信息公开年度报告。本报告由概述、主动公开情况、依申请公开情况、评议情况、举报复议诉讼情况、主要问题和改进措施、其他需要报告的事项七部分组成，并附清单事项公开情况表。报告中所列数据的统计期限为〔统计期限〕。',
    'overview': '本学年，〔学校名称〕坚持以习近平新时代中国特色社会主义思想为指导，把信息公开作为促进依法治校的重要抓手，深化思想认识，压实主体责任，不断提升信息公开工作质效。为保障师生员工、社会公众和上级组织依法获取学校信息，学校认真按照上级关于信息公开工作的要求和部署，明确责任分工、强化制度落实、畅通公开渠道，提高了学校工作透明度，充分保障了广大师生员工和社会公众的知情权、参与权、表达权和监督权。\n学校信息公开工作主要包括以下几个方面：\n（一）健全信息公开组织\n学校成立了信息公开工作领导小组，成员由各职能部门主要负责人组成。领导小组下设信息公开办公室，负责信息公开的日常工作，加强了信息公开工作的督促检查及任务落实。各职能部门各负其责，师生积极参与，进一步完善了信息公开工作机制，保证了信息公开工作的有效开展。\n（二）加强信息公开培训\n学校认真落实信息公开制度，组织各部门信息公开工作负责人就信息公开目录设置、信息公开网站信息发布、信息公开与保密审查要求、信息公开工作中存在的问题等具体工作开展了研讨和培训，从源头上保障信息公开前的保密审查。\n（三）畅通信息公开渠道\n学校坚持“以公开为常态，不公开为例外”的原则，结合学校实际，采取多种形式公开信息。公开信息的渠道和方式有：〔公开渠道〕。\n（四）做好信息公开的保密审查\n学校认真贯彻执行《中华人民共和国保守国家秘密法》等法律法规和文件精神，坚持“先审查、后公开”和“一事一审”的原则，对拟公开信息逐项进行保密审查，妥善处理公开与保密的关系，既防止不断扩大保密范围损害公众的知情权，又防止失泄密事件的发生。〔若保密审查条数不为零〕本学年共对〔保密审查条数〕条拟公开信息进行了保密审查，退回修改〔退回修改条数〕条〔若撤下条数不为零〕，对公开后发现问题的〔撤下条数〕条信息及时撤下〔结束〕。〔结束〕',
    'active': '本学年，学校对照《清单》要求，通过〔公开渠道〕等形式，主动公开学校、各部门相关信息。具体内容包括：\n（一）主动公开信息情况\n1．主动公开信息数量：\n本学年，全校新增的主动公开信息共〔主动公开总数〕条，其中通过网络方式公开的信息数达〔网络公开数〕条。〔若按时公开比例不为空〕在信息形成或变更之日起20个工作日内公开的占〔按时公开比例〕〔若公开用时中位数不为空〕，从信息形成到公开用时的中位数为〔公开用时中位数〕个工作日〔结束〕。〔结束〕\n2．主动公开信息内容：\n（1）学校基本情况的信息。包括学校名称、办学地点、办学性质、办学宗旨、办学层次、办学规模，内部管理体制、机构设置等基本信息。\n（2）学校文件、规章制度、统计数据等有关信息。包括一学年来学校制定和发布的各类规范性文件，学校教育教学、科学研究和社会服务等方面的发展规划、工作计划以及统计数据等信息。\n（3）学校公共资源信息。包括师资队伍、招生信息、收费标准、教学资源、大型仪器设备等公共资源信息。\n（4）与师生员工利益密切相关和社会比较关注的重要事项。重点包括各类学生招生信息；学生学籍管理、帮困助学、学生奖励、就业指导等信息；教职工培训、人事任免、招考录用、职称评审等人事工作信息；科研项目申报、科研奖励等科研管理信息；后勤保卫信息；财务规章制度、年度财务收支情况等财务信息。\n3．主动公开信息的方式和途径：\n〔若各渠道公开数量不为空〕本学年各渠道公开信息数量为：〔各渠道公开数量〕（同一信息通过多个渠道公开的，分别计数）。〔否则〕本学年暂无按渠道统计的公开信息。〔结束〕\n（二）清单事项公开情况\n对照《清单》所列〔清单事项数〕项事项，本学年有〔已公开清单事项数〕项公开了相关信息〔若无新增信息清单事项数不为零〕，〔无新增信息清单事项数〕项本学年无新增信息〔结束〕〔若不适用清单事项数不为零〕，〔不适用清单事项数〕项不适用于本校〔结束〕。逐项公开情况及栏目链接见附表《清单事项公开情况表》。',
    'applications': '学校已在信息公开实施细则中明确了依申请公开的受理机构和程序，并在网站上公开了受理程序。〔若新收和结转申请数为零〕本学年未收到需受理或答复的师生和公众信息公开的申请〔若收费笔数为零〕，信息公开工作未发生收费情况〔结束〕。〔否则〕本学年共收到信息公开申请〔新收申请数〕件〔若上年结转申请数不为零〕，上学年结转〔上年结转申请数〕件〔结束〕，已答复〔已答复申请数〕件〔若答复结果不为空〕，其中〔答复结果〕〔结束〕〔若结转下年申请数不为零〕，结转下学年继续办理〔结转下年申请数〕件〔结束〕。〔若收费笔数不为零〕依申请公开收费〔收费笔数〕笔，共收取费用〔收费金额〕元，减免费用〔减免金额〕元。〔否则〕信息公开工作未发生收费情况。〔结束〕〔结束〕',
    'complaints': '〔若举报复议诉讼总数为零〕本学年学校无因信息公开工作而被申请行政复议、行政诉讼或举报情况。〔否则〕本学年学校因信息公开工作被举报〔举报数〕件，被申请行政复议〔行政复议数〕件，被提起行政诉讼〔行政诉讼数〕件（其中未经复议直接起诉〔直接起诉数〕件、复议后起诉〔复议后起诉数〕件）〔若复议诉讼办理结果不为空〕。办理结果：〔复议诉讼办理结果〕〔结束〕。详见下表。〔结束〕',
    'other_matters': '〔若收费金额不为零〕本学年依申请公开共收取信息处理费〔收费金额〕元〔若收费笔数不为零〕（〔收费笔数〕笔）〔结束〕〔若减免金额不为零〕，减免〔减免金额〕元〔结束〕。〔否则〕本学年未收取信息处理费〔若减免金额不为零〕（减免〔减免金额〕元）〔结束〕。〔结束〕\n本学年无其他需要报告的事项。',
}


def _normalized(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _rewrite(table: dict[str, tuple[str, ...]], target: dict[str, str]) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT year, section, text FROM report_narratives")).all()
    update = sa.text("UPDATE report_narratives SET text = :text WHERE year = :year AND section = :section")
    for year, section, text in rows:
        if section in table and _normalized(text or "") in table[section]:
            bind.execute(update, {"text": target[section], "year": year, "section": section})


def upgrade() -> None:
    _rewrite(OLD_DEFAULTS, NEW_DEFAULTS)


def downgrade() -> None:
    _rewrite({key: (text,) for key, text in NEW_DEFAULTS.items()},
             {key: texts[-1] for key, texts in OLD_DEFAULTS.items()})
