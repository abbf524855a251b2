"""Quick capture: typed note lines become proposed actions and decisions.

Expected dates are worked out by hand from the rules: the reference day R is Friday
2026-11-27, so its week runs Monday 11-23 to Sunday 11-29 and next week 11-30 to 12-06.
Warnings are compared by code; the default language (zh-hans) may not translate them yet.
"""

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from lihui.actions.capture import MAX_TEXT, Candidate, CaptureWarning, capture_parse

D = dt.date
R = D(2026, 11, 27)  # a Friday

PEOPLE = (
    Candidate(1, ("张三",), participant=True),
    Candidate(2, ("李四",), participant=True),
    Candidate(3, ("王小明", "小明"), participant=True),
    Candidate(4, ("Alice Wang", "alice"), participant=True),
    Candidate(5, ("王伟",), participant=True),
    Candidate(6, ("王薇",), participant=True),  # wangwei, like 王伟
    Candidate(7, ("张伟",), participant=True),
    Candidate(8, ("张伟",)),  # same name outside the meeting: the participant wins
    Candidate(9, ("刘洋",)),
    Candidate(10, ("刘洋",)),  # two outside the meeting: ambiguous
    Candidate(11, ("欧阳娜娜",)),
    Candidate(12, ("Bob Li", "bob")),
    Candidate(13, ("吕方",), participant=True),  # lv / lu / lyu
    Candidate(14, ("单田芳",)),  # the surname 单 reads shan
    Candidate(15, ("陈静",)),
    Candidate(16, ("陈晶",), participant=True),  # chenjing, like 陈静
    Candidate(17, ("李四",)),
    Candidate(18, ("高欣",), participant=True),
)


def A(line, title, owner_text=None, owner=None, due=None, codes=(), ref=R):
    return pytest.param(line, "action", title, owner_text, owner, due, list(codes), ref, id=line)


def Dec(line, title):
    return pytest.param(line, "decision", title, None, None, None, [], R, id=line)


def No(line):
    return pytest.param(line, None, None, None, None, None, [], R, id=f"not: {line!r}")


ROWS = [
    # ---- action markers --------------------------------------------------------------
    A("行动：整理Q3退货数据", "整理Q3退货数据"),
    A("行动:整理Q3退货数据", "整理Q3退货数据"),
    A("行动项：更新排班表", "更新排班表"),
    A("【行动】更新排班表", "更新排班表"),
    A("[行动] 更新排班表", "更新排班表"),
    A("［行动］更新排班表", "更新排班表"),
    A("【行动项】更新排班表", "更新排班表"),
    A("〖待办〗联系供应商", "联系供应商"),
    A("待办：联系供应商", "联系供应商"),
    A("跟进：客户回访结果", "客户回访结果"),
    A("TODO: update the roster", "update the roster"),
    A("todo: update the roster", "update the roster"),
    A("TODO update the roster", "update the roster"),
    A("To-do: update the roster", "update the roster"),
    A("Action: update the roster", "update the roster"),
    A("ACTION - update the roster", "update the roster"),
    A("Actions: update the roster", "update the roster"),
    A("action item: update the roster", "update the roster"),
    A("AI: update the roster", "update the roster"),
    A("ai：update the roster", "update the roster"),
    A("【AI】update the roster", "update the roster"),
    A("行动 — 更新排班表", "更新排班表"),
    A("行动-更新排班表", "更新排班表"),
    A("行动1：更新排班表", "更新排班表"),
    A("ＡＣＴＩＯＮ：更新排班表", "更新排班表"),
    # ---- bullets and numbering before the marker --------------------------------------
    A("1. 行动：更新排班表", "更新排班表"),
    A("- 行动：更新排班表", "更新排班表"),
    A("* Action: update the roster", "update the roster"),
    A("• 待办：联系供应商", "联系供应商"),
    A("（1）行动：更新排班表", "更新排班表"),
    A("2) TODO: update the roster", "update the roster"),
    A("一、行动：更新排班表", "更新排班表"),
    A("3、跟进：客户回访结果", "客户回访结果"),
    A("- [ ] TODO update the roster", "update the roster"),
    A("**Action:** update the roster", "update the roster"),
    A("  ## 行动项：更新排班表", "更新排班表"),
    # ---- decisions keep their whole text -------------------------------------------------
    Dec("决定：采用方案A", "采用方案A"),
    Dec("决议：Q4预算冻结。", "Q4预算冻结"),
    Dec("结论：退货率上升主要因为物流", "退货率上升主要因为物流"),
    Dec("Decision: go with vendor B", "go with vendor B"),
    Dec("【决定】下周一起执行新排班", "下周一起执行新排班"),
    Dec("DECISION - freeze the budget by Friday", "freeze the budget by Friday"),
    Dec("[决议] 由张三负责对接财务", "由张三负责对接财务"),
    Dec("- 决定：采用方案A；", "采用方案A"),
    # ---- not proposals -----------------------------------------------------------------
    No("今天讨论了Q3退货数据"),
    # no marker, but a person and a date: an action, with a warning (issue 16, list 6)
    A("张三负责整理数据，下周五前", "整理数据", "张三", 1, D(2026, 12, 4), ["unmarked"]),
    A("张伟下周三前给出方案", "给出方案", "张伟", 7, D(2026, 12, 2), ["unmarked"]),
    A("@李四 明天发出通知", "发出通知", "李四", 2, D(2026, 11, 28), ["unmarked"]),
    A("- 王小明 12月5日前提交排班", "提交排班", "王小明", 3, D(2026, 12, 5), ["unmarked"]),
    A("@孙悦 明天发出通知", "发出通知", "孙悦", None, D(2026, 11, 28), ["unmarked", "owner_unknown"]),
    No("张三说了很多"),  # a name without a date
    No("明天下雨"),  # a date without a name
    No("今天张三说明天下雨"),  # a name, but not at the start
    No("行动计划讨论"),
    No("决定性因素是物流"),
    No("Actionable insights: churn is up"),
    No("Actions speak louder than words"),
    No("AI 模型评估进展"),
    No("AI - 模型评估"),
    No("AIM: grow revenue"),
    No("todo list 需要更新"),
    No("跟进中"),
    No("我们需要采取行动：尽快整理"),
    No("行动项："),
    No("Decision:"),
    No("行动：。"),
    No(""),
    No("   "),
    # ---- owners ------------------------------------------------------------------------
    A("行动：由张三负责整理数据", "整理数据", "张三", 1),
    A("行动：张三负责整理数据", "整理数据", "张三", 1),
    A("行动：张三 负责 整理数据", "整理数据", "张三", 1),
    A("行动：整理数据，负责人：张三", "整理数据", "张三", 1),
    A("行动：整理数据，负责人:李四", "整理数据", "李四", 2),
    A("行动：整理数据（负责人：李四）", "整理数据", "李四", 2),
    A("行动：@张三 整理数据", "整理数据", "张三", 1),
    A("行动：@张三负责整理数据", "整理数据", "张三", 1),
    A("行动：整理数据，＠张三", "整理数据", "张三", 1),
    A("Action: review the deck, owner: Zhang San", "review the deck", "Zhang San", 1),
    A("Action: owner: zhang san, update the roster", "update the roster", "zhang san", 1),
    A("Action: review the deck (owner: alice)", "review the deck", "alice", 4),
    A("Action: @alice review the deck", "review the deck", "alice", 4),
    A("Action: review the deck @alice", "review the deck", "alice", 4),
    A("Action: @Alice Wang review the deck", "review the deck", "Alice Wang", 4),
    A("Action: @zhangsan update the roster", "update the roster", "zhangsan", 1),
    A("行动：Alice Wang负责整理数据", "整理数据", "Alice Wang", 4),
    A("行动：alice负责整理数据", "整理数据", "alice", 4),
    A("行动：请王小明负责更新排班表", "更新排班表", "王小明", 3),
    A("行动：更新排班表，交给王小明负责", "更新排班表", "王小明", 3),
    A("行动：让小明负责更新排班表", "更新排班表", "小明", 3),
    A("行动：@小明 更新排班表", "更新排班表", "小明", 3),
    A("行动：@王小明整理数据", "整理数据", "王小明", 3),
    A("行动：@xiaoming 更新排班表", "更新排班表", "xiaoming", 3),
    A("行动：@Xiaoming Wang 整理数据", "整理数据", "Xiaoming Wang", 3),
    A("行动：@bob 整理数据", "整理数据", "bob", 12),
    A("行动：@lvfang 整理数据", "整理数据", "lvfang", 13),
    A("行动：@Lu Fang 整理数据", "整理数据", "Lu Fang", 13),
    A("行动：@lyufang 整理数据", "整理数据", "lyufang", 13),
    A("行动：@shantianfang 整理数据", "整理数据", "shantianfang", 14),
    A("行动：欧阳娜娜负责整理数据", "整理数据", "欧阳娜娜", 11),
    A("行动：@ouyangnana 整理数据", "整理数据", "ouyangnana", 11),
    A("行动：高欣负责整理数据", "整理数据", "高欣", 18),
    A("行动：张伟负责整理数据", "整理数据", "张伟", 7),
    A("行动：@zhangwei 整理数据", "整理数据", "zhangwei", 7),
    A("行动：王伟负责整理数据", "整理数据", "王伟", 5),
    A("行动：李四负责整理数据", "整理数据", "李四", 2),
    A("行动：陈静负责整理数据", "整理数据", "陈静", 15),
    A("行动：@chenjing 整理数据", "整理数据", "chenjing", 16),
    A("行动：@wangwei 整理数据", "整理数据", "wangwei", None, codes=["owner_ambiguous"]),
    A("行动：刘洋负责整理数据", "整理数据", "刘洋", None, codes=["owner_ambiguous"]),
    A("行动：@liuyang 整理数据", "整理数据", "liuyang", None, codes=["owner_ambiguous"]),
    A("行动：赵六负责整理数据", "整理数据", "赵六", None, codes=["owner_unknown"]),
    A("行动：@zhaoliu 整理数据", "整理数据", "zhaoliu", None, codes=["owner_unknown"]),
    A("Action: @carol review the deck", "review the deck", "carol", None, codes=["owner_unknown"]),
    A("行动：整理报告赵六负责", "整理报告", "赵六", None, codes=["owner_unknown"]),
    A("行动：整理报告孙小红负责", "整理报告", "孙小红", None, codes=["owner_unknown"]),
    A("行动：数据由周云负责", "数据", "周云", None, codes=["owner_unknown"]),
    A("行动：请司马光负责整理档案", "整理档案", "司马光", None, codes=["owner_unknown"]),
    A("行动：整理档案，上官婉儿负责", "整理档案", "上官婉儿", None, codes=["owner_unknown"]),
    A("行动：负责整理数据", "整理数据"),
    A("行动：我负责整理数据", "我负责整理数据"),
    A("Action: email alice@example.com the deck", "email alice@example.com the deck"),
    # several owners named: an action has one, so none is picked and all are offered
    A("Action: @alice @bob review the deck", "review the deck", "alice @bob", None, codes=["owner_multiple"]),
    A("行动：张三、李四负责整理数据", "整理数据", "张三、李四", None, codes=["owner_multiple"]),
    A("行动：由张三和李四负责整理数据", "整理数据", "张三和李四", None, codes=["owner_multiple"]),
    A("行动：整理数据，负责人：张三、李四", "整理数据", "张三、李四", None, codes=["owner_multiple"]),
    A("Action: review the deck, owner: alice, bob", "review the deck", "alice, bob", None, codes=["owner_multiple"]),
    A("行动：张三、赵六负责对账", "对账", "张三、赵六", None, codes=["owner_multiple", "owner_unknown"]),
    A("行动：@张三 @zhangsan 对账", "对账", "张三 @zhangsan", 1),  # one person, named twice
    A("行动：@赵六 @钱七 对账", "对账", "赵六 @钱七", None, codes=["owner_multiple", "owner_unknown", "owner_unknown"]),
    A("Action: review the deck, owner: alice, review later", "review the deck, review later", "alice", 4),
    A("行动：整理数据和报表，李四负责", "整理数据和报表", "李四", 2),
    # ---- Chinese dates -----------------------------------------------------------------
    A("行动：整理数据，今天", "整理数据", due=D(2026, 11, 27)),
    A("行动：明天整理数据", "整理数据", due=D(2026, 11, 28)),
    A("行动：后天前提交报告", "提交报告", due=D(2026, 11, 29)),
    A("行动：大后天提交报告", "提交报告", due=D(2026, 11, 30)),
    A("行动：本周五提交周报", "提交周报", due=D(2026, 11, 27)),
    A("行动：本周三提交周报", "提交周报", due=D(2026, 11, 25), codes=["weekday_past"]),
    A("行动：本周日前提交周报", "提交周报", due=D(2026, 11, 29)),
    A("行动：这周六加班盘点", "加班盘点", due=D(2026, 11, 28)),
    A("行动：下周一提交周报", "提交周报", due=D(2026, 11, 30)),
    A("行动：下周五前提交周报", "提交周报", due=D(2026, 12, 4)),
    A("行动：下周日提交周报", "提交周报", due=D(2026, 12, 6)),
    A("行动：下个星期三提交周报", "提交周报", due=D(2026, 12, 2)),
    A("行动：下下周五提交周报", "提交周报", due=D(2026, 12, 11)),
    A("行动：下下周一提交周报", "提交周报", due=D(2026, 12, 7)),
    A("行动：周五前提交周报", "提交周报", due=D(2026, 12, 4)),
    A("行动：周一提交周报", "提交周报", due=D(2026, 11, 30)),
    A("行动：星期六盘点仓库", "盘点仓库", due=D(2026, 11, 28)),
    A("行动：礼拜天盘点仓库", "盘点仓库", due=D(2026, 11, 29)),
    A("行动：周日之前盘点仓库", "盘点仓库", due=D(2026, 11, 29)),
    A("行动：3天内提交报告", "提交报告", due=D(2026, 11, 30)),
    A("行动：三天内提交报告", "提交报告", due=D(2026, 11, 30)),
    A("行动：5天后复盘", "复盘", due=D(2026, 12, 2)),
    A("行动：十天内完成整改", "完成整改", due=D(2026, 12, 7)),
    A("行动：两周内完成整改", "完成整改", due=D(2026, 12, 11)),
    A("行动：1周内提交方案", "提交方案", due=D(2026, 12, 4)),
    A("行动：一个月内上线新系统", "上线新系统", due=D(2026, 12, 27)),
    A("行动：2个月内上线新系统", "上线新系统", due=D(2027, 1, 27)),
    A("行动：月底前提交预算", "提交预算", due=D(2026, 11, 30)),
    A("行动：本月底提交预算", "提交预算", due=D(2026, 11, 30)),
    A("行动：下月底提交预算", "提交预算", due=D(2026, 12, 31)),
    A("行动：季度末提交预算", "提交预算", due=D(2026, 12, 31)),
    A("行动：年底前完成审计", "完成审计", due=D(2026, 12, 31)),
    A("行动：12月底前提交预算", "提交预算", due=D(2026, 12, 31)),
    A("行动：二月底前提交预算", "提交预算", due=D(2027, 2, 28)),
    A("行动：12月5日前提交预算", "提交预算", due=D(2026, 12, 5)),
    A("行动：十二月五日提交预算", "提交预算", due=D(2026, 12, 5)),
    A("行动：12月5号提交预算", "提交预算", due=D(2026, 12, 5)),
    A("行动：11月1日提交预算", "提交预算", due=D(2027, 11, 1)),
    A("行动：11月27日提交预算", "提交预算", due=D(2026, 11, 27)),
    A("行动：1月15号提交预算", "提交预算", due=D(2027, 1, 15)),
    A("行动：5号前提交预算", "提交预算", due=D(2026, 12, 5)),
    A("行动：30号前提交预算", "提交预算", due=D(2026, 11, 30)),
    A("行动：27号提交预算", "提交预算", due=D(2026, 11, 27)),
    A("行动：十五号提交预算", "提交预算", due=D(2026, 12, 15)),
    A("行动：二十一号提交预算", "提交预算", due=D(2026, 12, 21)),
    A("行动：31号前提交预算", "提交预算", due=D(2026, 11, 30), codes=["date_adjusted"]),
    A("行动：2月30日提交预算", "提交预算", due=D(2027, 2, 28), codes=["date_adjusted"]),
    A("行动：2026-12-05前提交预算", "提交预算", due=D(2026, 12, 5)),
    A("行动：2026/12/05 提交预算", "提交预算", due=D(2026, 12, 5)),
    A("行动：2026年12月5日提交预算", "提交预算", due=D(2026, 12, 5)),
    A("行动：2026.12.05 提交预算", "提交预算", due=D(2026, 12, 5)),
    A("行动：整理数据，２０２６－１２－０５前", "整理数据", due=D(2026, 12, 5)),
    A("行动：2026-11-01 提交预算", "提交预算", due=D(2026, 11, 1), codes=["date_past"]),
    A("行动：2031-11-27 提交预算", "提交预算", due=D(2031, 11, 27)),
    A("行动：2031-11-28 提交预算", "提交预算", codes=["date_out_of_range"]),
    A("行动：1969-12-31 提交预算", "提交预算", codes=["date_out_of_range"]),
    A("行动：3000天内完成迁移", "完成迁移", codes=["date_out_of_range"]),
    A("行动：2026-02-30 提交预算", "提交预算", codes=["date_invalid"]),
    A("行动：13月5日提交预算", "提交预算", codes=["date_invalid"]),
    A("行动：提交预算，截止日期：12月5日", "提交预算", due=D(2026, 12, 5)),
    A("行动：提交预算，12月5日截止", "提交预算", due=D(2026, 12, 5)),
    A("行动：在下周五前提交预算", "提交预算", due=D(2026, 12, 4)),
    A("行动：前端重构，明天", "前端重构", due=D(2026, 11, 28)),
    A("行动：明天前端上线", "前端上线", due=D(2026, 11, 28)),
    A("行动：准备周五会议材料，周三前发出", "准备周五会议材料，发出", due=D(2026, 12, 2)),
    A("行动：每周五提交周报", "每周五提交周报"),
    A("行动：上周五的数据复核", "上周五的数据复核"),
    A("行动：整理3号仓库盘点数据", "整理3号仓库盘点数据"),
    A("行动：跟进5号线施工", "跟进5号线施工"),
    A("行动：一周一次回访", "一周一次回访"),
    A("行动：3个工作日内回复", "3个工作日内回复"),  # working days need a holiday calendar: not read
    A("行动：12月5日（周六）前提交", "提交", due=D(2026, 12, 5)),
    A("行动：12月5日(周五)前提交", "提交", due=D(2026, 12, 5), codes=["weekday_mismatch"]),
    A("行动：今日内提交", "提交", due=D(2026, 11, 27)),
    A("行动：明后天提交", "提交", due=D(2026, 11, 29)),
    A("行动：整理数据，二〇二六年十二月五日", "整理数据", due=D(2026, 12, 5)),
    A("行动：整理数据，2026年十二月五日", "整理数据", due=D(2026, 12, 5)),
    A("行动：上个月底的数据复核", "上个月底的数据复核"),
    # ---- English dates -----------------------------------------------------------------
    A("Action: send the report today", "send the report", due=D(2026, 11, 27)),
    A("Action: send the report tomorrow", "send the report", due=D(2026, 11, 28)),
    A("Action: send the report by Friday", "send the report", due=D(2026, 12, 4)),
    A("Action: send the report by Monday", "send the report", due=D(2026, 11, 30)),
    A("Action: send the report by Fri", "send the report", due=D(2026, 12, 4)),
    A("Action: send the report due Friday", "send the report", due=D(2026, 12, 4)),
    A("Action: send the report next Friday", "send the report", due=D(2026, 12, 4)),
    A("Action: send the report next Monday", "send the report", due=D(2026, 11, 30)),
    A("Action: send the report this Friday", "send the report", due=D(2026, 11, 27)),
    A("Action: send the report this Monday", "send the report", due=D(2026, 11, 23), codes=["weekday_past"]),
    A("Action: send the report before tomorrow", "send the report", due=D(2026, 11, 28)),
    A("Action: send the report in 3 days", "send the report", due=D(2026, 11, 30)),
    A("Action: send the report within 2 weeks", "send the report", due=D(2026, 12, 11)),
    A("Action: send the report in a week", "send the report", due=D(2026, 12, 4)),
    A("Action: send the report within one month", "send the report", due=D(2026, 12, 27)),
    A("Action: send the report by end of month", "send the report", due=D(2026, 11, 30)),
    A("Action: send the report by the end of the month", "send the report", due=D(2026, 11, 30)),
    A("Action: send the report EOM", "send the report", due=D(2026, 11, 30)),
    A("Action: send the report by end of next month", "send the report", due=D(2026, 12, 31)),
    A("Action: send the report by end of quarter", "send the report", due=D(2026, 12, 31)),
    A("Action: send the report by Dec 5", "send the report", due=D(2026, 12, 5)),
    A("Action: send the report by 5 Dec", "send the report", due=D(2026, 12, 5)),
    A("Action: send the report by December 5th", "send the report", due=D(2026, 12, 5)),
    A("Action: send the report by Dec 5, 2026", "send the report", due=D(2026, 12, 5)),
    A("Action: send the report by Sept 30", "send the report", due=D(2027, 9, 30)),
    A("Action: send the report by Nov 1", "send the report", due=D(2027, 11, 1)),
    A("Action: send the report by Jan 15", "send the report", due=D(2027, 1, 15)),
    A("Action: send the report by 2026-12-05", "send the report", due=D(2026, 12, 5)),
    A("Action: send the report by 12/5", "send the report by 12/5", codes=["date_ambiguous"]),
    A("Action: send the report 5/12", "send the report 5/12", codes=["date_ambiguous"]),
    A("Action: send it by Dec 5 (Sat)", "send it", due=D(2026, 12, 5)),
    A("Action: finish it by tomorrow EOD", "finish it", due=D(2026, 11, 28)),
    A("Action: finish it EOD", "finish it", due=D(2026, 11, 27)),
    A("Action: sat with finance on the budget", "sat with finance on the budget"),
    A("Action: review Friday's numbers", "review Friday's numbers"),
    # ---- mixed -------------------------------------------------------------------------
    A("行动：张三负责整理Q3退货数据，下周五前完成", "整理Q3退货数据", "张三", 1, D(2026, 12, 4)),
    A("Action: @alice 整理 Q3 退货 by Friday", "整理 Q3 退货", "alice", 4, D(2026, 12, 4)),
    A("行动：@bob update the dashboard，明天", "update the dashboard", "bob", 12, D(2026, 11, 28)),
    A("TODO: 张三负责 review the deck by next Friday", "review the deck", "张三", 1, D(2026, 12, 4)),
    A("AI: Alice Wang负责整理数据, due Dec 5", "整理数据", "Alice Wang", 4, D(2026, 12, 5)),
    A("1. 待办：请王小明负责更新排班表，12月5日前", "更新排班表", "王小明", 3, D(2026, 12, 5)),
    A("行动：下周五前张三负责整理数据", "整理数据", "张三", 1, D(2026, 12, 4)),
    A("行动：王小明负责，12月5日前完成周报", "完成周报", "王小明", 3, D(2026, 12, 5)),
    A("行动：赵六负责整理数据，2026-11-01", "整理数据", "赵六", None, D(2026, 11, 1), ["owner_unknown", "date_past"]),
    A("行动：@张三 明天", "", "张三", 1, D(2026, 11, 28), ["title_missing"]),
    A("行动：整理\t数据\x00，明天", "整理 数据", due=D(2026, 11, 28)),
    A("\ufeff行动：整理数据", "整理数据"),
    # ---- other reference days ------------------------------------------------------------
    A("行动：31号提交", "提交", due=D(2026, 4, 30), codes=["date_adjusted"], ref=D(2026, 4, 10)),
    A("行动：30号提交", "提交", due=D(2026, 2, 28), codes=["date_adjusted"], ref=D(2026, 2, 10)),
    A("行动：季度末提交", "提交", due=D(2026, 3, 31), ref=D(2026, 2, 10)),
    A("行动：下月底提交", "提交", due=D(2026, 3, 31), ref=D(2026, 2, 10)),
    A("行动：一个月内提交", "提交", due=D(2027, 2, 28), ref=D(2027, 1, 31)),
    A("行动：一个月内提交", "提交", due=D(2028, 2, 29), ref=D(2028, 1, 31)),
    A("行动：12月30日提交", "提交", due=D(2027, 12, 30), ref=D(2026, 12, 31)),
    A("行动：明天提交", "提交", due=D(2027, 1, 1), ref=D(2026, 12, 31)),
    A("行动：下周一提交", "提交", due=D(2027, 1, 4), ref=D(2026, 12, 31)),  # a Thursday
    A("行动：周四提交", "提交", due=D(2027, 1, 7), ref=D(2026, 12, 31)),
    A("行动：本周一提交", "提交", due=D(2026, 12, 28), codes=["weekday_past"], ref=D(2026, 12, 31)),
    A("行动：年底前提交", "提交", due=D(2026, 12, 31), ref=D(2026, 12, 31)),
    A("行动：本周一提交", "提交", due=D(2026, 11, 30), ref=D(2026, 11, 30)),  # a Monday: today
    A("行动：5号提交", "提交", due=D(2026, 12, 5), ref=D(2026, 11, 30)),
    A("行动：季度末提交", "提交", due=D(2026, 6, 30), ref=D(2026, 4, 1)),
]


def test_the_table_is_big_enough():
    assert len(ROWS) >= 150


@pytest.mark.parametrize(("line", "kind", "title", "owner_text", "owner", "due", "codes", "ref"), ROWS)
def test_line(line, kind, title, owner_text, owner, due, codes, ref):
    proposals = capture_parse(line, reference_date=ref, people=PEOPLE)
    if kind is None:
        assert proposals == []
        return
    [p] = proposals
    got = (p.line, p.kind, p.title, p.owner_text, p.owner, p.due, p.warning_codes)
    assert got == (1, kind, title, owner_text, owner, due, codes)


@pytest.mark.parametrize(
    ("line", "due_text"),
    [
        ("行动：张三负责整理Q3退货数据，下周五前完成", "下周五前"),
        ("行动：明天整理数据", "明天"),
        ("行动：周日之前盘点仓库", "周日之前"),
        ("行动：提交预算，截止日期：12月5日", "截止日期：12月5日"),
        ("行动：提交预算，12月5日截止", "12月5日截止"),
        ("行动：在下周五前提交预算", "在下周五前"),
        ("行动：两周内完成整改", "两周内"),
        ("Action: send the report by Friday", "by Friday"),
        ("Action: send the report by the end of the month", "by the end of the month"),
        ("Action: send the report due Friday", "due Friday"),
        ("Action: send the report by 12/5", "12/5"),
        ("行动：整理数据，２０２６－１２－０５前", "２０２６－１２－０５前"),
        ("行动：2031-11-28 提交预算", "2031-11-28"),
        ("行动：12月5日（周六）前提交", "12月5日（周六）前"),
        ("Action: finish it by tomorrow EOD", "by tomorrow EOD"),
        ("行动：整理数据", None),
    ],
)
def test_due_text_is_the_phrase_with_its_deadline_words(line, due_text):
    [p] = capture_parse(line, reference_date=R, people=PEOPLE)
    assert p.due_text == due_text


def test_owner_candidates():
    def parse(line):
        [p] = capture_parse(line, reference_date=R, people=PEOPLE)
        return p.owner, p.owner_candidates

    assert parse("行动：@wangwei 整理数据") == (None, [5, 6])
    assert parse("行动：刘洋负责整理数据") == (None, [9, 10])  # outside the meeting, both
    assert parse("行动：张伟负责整理数据") == (7, [7])  # the participant, not staff member 8
    assert parse("行动：赵六负责整理数据") == (None, [])
    assert parse("行动：整理数据") == (None, [])
    assert parse("行动：张三、刘洋负责整理数据") == (None, [1, 9, 10])


def test_an_exact_name_beats_a_pinyin_match():
    people = (Candidate(1, ("王伟",), participant=True), Candidate(2, ("王薇", "wangwei"), participant=True))
    [p] = capture_parse("行动：@wangwei 整理数据", reference_date=R, people=people)
    assert (p.owner, p.owner_candidates) == (2, [2])


def test_without_candidates_every_name_is_unknown_but_still_read():
    [p] = capture_parse("行动：请王小明负责更新排班表，明天", reference_date=R)
    assert (p.title, p.owner_text, p.owner, p.due, p.warning_codes) == ("更新排班表", "王小明", None, D(2026, 11, 28), ["owner_unknown"])


def test_lines_are_numbered_from_one_and_blank_lines_count():
    text = "周会纪要 2026-11-27\n\n行动：张三负责整理数据，明天\n决定：采用方案A\n\n- TODO 更新排班表\n普通讨论\n"
    got = [(p.line, p.kind, p.title) for p in capture_parse(text, reference_date=R, people=PEOPLE)]
    assert got == [(3, "action", "整理数据"), (4, "decision", "采用方案A"), (6, "action", "更新排班表")]
    for newline in ("\r\n", "\r"):
        again = capture_parse(text.replace("\n", newline), reference_date=R, people=PEOPLE)
        assert [(p.line, p.kind, p.title) for p in again] == got


def test_only_newlines_split_lines():
    text = "行动：整理数据\u2028明天\x0b\x0c\x1c\x85\n行动：更新排班表"
    got = [(p.line, p.title, p.due) for p in capture_parse(text, reference_date=R)]
    assert got == [(1, "整理数据", D(2026, 11, 28)), (2, "更新排班表", None)]


def test_control_characters_are_spaces():
    text = "".join(chr(c) for c in range(32) if c not in (10, 13)) + "行动：整理\x07数据\x7f，\x1b明天\x9f"
    [p] = capture_parse(text, reference_date=R)
    assert (p.title, p.due) == ("整理 数据", D(2026, 11, 28))


def test_empty_text():
    assert capture_parse("", reference_date=R) == []
    assert capture_parse(" \n\t\n\u3000", reference_date=R) == []


def test_text_longer_than_max_is_refused():
    assert capture_parse("x" * MAX_TEXT, reference_date=R) == []
    with pytest.raises(ValueError):
        capture_parse("x" * (MAX_TEXT + 1), reference_date=R)


def test_hostile_long_lines_parse():
    """Inputs shaped to make a careless regex or scan quadratic finish quickly."""
    per = MAX_TEXT // 4
    for body in ("负责" * (per // 2), "@" * per, " " * per + "x", "截止" + " " * per, "前" * per, "a" * per + "负责"):
        text = ("行动：" + body)[:MAX_TEXT]
        assert len(capture_parse(text, reference_date=R, people=PEOPLE)) <= 1
    many = "\n".join(["行动：张三负责整理Q3退货数据，下周五前完成"] * 2000)
    assert len(capture_parse(many, reference_date=R, people=PEOPLE)) == 2000


def test_warnings_carry_a_translated_message():
    with translation.override("en"):
        [p] = capture_parse("行动：赵六负责整理数据，2026-11-01", reference_date=R, people=PEOPLE)
    assert all(isinstance(w, CaptureWarning) and w.message for w in p.warnings)
    assert "赵六" in p.warnings[0].message
    assert "2026-11-01" in p.warnings[1].message
    [p] = capture_parse("行动：@wangwei 整理", reference_date=R, people=PEOPLE)  # the default language
    assert "wangwei" in p.warnings[0].message


def test_the_too_long_message_is_text():
    with translation.override("en"), pytest.raises(ValueError, match=str(MAX_TEXT)):
        capture_parse("x" * (MAX_TEXT + 1), reference_date=R)


# ---- properties ------------------------------------------------------------------------
REFERENCES = st.dates(min_value=D(1970, 1, 1), max_value=D(2100, 12, 31))


def five_years_after(day):
    try:
        return day.replace(year=day.year + 5)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 5, day=28)


def assert_sane(proposals, text, ref):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    assert [p.line for p in proposals] == sorted({p.line for p in proposals})
    for p in proposals:
        assert 1 <= p.line <= lines
        assert p.kind in ("action", "decision")
        if p.due is not None:
            assert D(1970, 1, 1) <= p.due <= five_years_after(ref)
        assert all(w.code and isinstance(w.message, str) for w in p.warnings)


@settings(deadline=None)
@given(text=st.text(), ref=REFERENCES)
def test_any_text_parses(text, ref):
    assert_sane(capture_parse(text, reference_date=ref, people=PEOPLE), text, ref)


MARKERS = ["行动：", "行动项:", "【待办】", "[跟进] ", "TODO ", "Action: ", "ACTION - ", "AI: ", "- 行动：", "1. TODO: "]


@settings(deadline=None)
@given(marker=st.sampled_from(MARKERS), rest=st.text(), ref=REFERENCES)
def test_any_text_after_a_marker_parses(marker, rest, ref):
    text = marker + rest
    assert_sane(capture_parse(text, reference_date=ref, people=PEOPLE), text, ref)


NUMBERS = st.one_of(st.integers(0, 40), st.integers(0, 10**6), st.sampled_from(["两", "十五", "二十一", "三十二", "一百", "千"]))
DATE_PHRASES = st.one_of(
    st.builds("{}天内".format, NUMBERS),
    st.builds("{}周后".format, NUMBERS),
    st.builds("{}个月内".format, NUMBERS),
    st.builds("{}月{}日".format, NUMBERS, NUMBERS),
    st.builds("{}月底".format, NUMBERS),
    st.builds("{}号".format, NUMBERS),
    st.builds("{:04d}-{}-{}".format, st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)),
    st.builds("{}年底".format, st.integers(1000, 9999)),
    st.builds("in {} days".format, NUMBERS),
    st.builds("by Dec {}, {}".format, st.integers(0, 99), st.integers(1900, 2199)),
    st.sampled_from(["今天", "大后天", "本周一", "下下周日", "周日", "月底", "下月底", "季度末", "年底", "EOM", "end of next month",
                     "this Monday", "next Sunday", "by Sat", "2月29日", "12/5"]),
)  # fmt: skip


@settings(deadline=None)
@given(phrase=DATE_PHRASES, ref=REFERENCES)
def test_every_due_date_is_within_range(phrase, ref):
    text = f"行动：整理数据，{phrase}前"
    assert_sane(capture_parse(text, reference_date=ref), text, ref)


OWNERS = ["张三负责", "由李四负责", "请王小明负责", "@alice", "@张三", "负责人：高欣", "owner: Zhang San", "@赵六", "刘洋负责",
          "张三、李四负责", "@alice @bob", "负责人：张三、赵六"]
WORDS = ["整理", "Q3", "退货数据", "客户回访", "更新", "排班表", "review", "the", "deck", "budget", "盘点库存", "周报", "report", "v2"]
DATES = ["明天", "下周五前", "周三前", "by Friday", "next Monday", "in 3 days", "两周内", "月底前", "12月5日前", "2026-12-05", "EOM",
         "15号", "本周一", "2040-01-01", "12/5", "截止日期：12月5日"]  # fmt: skip
SEPARATORS = ["，", ", ", " ", "；"]


@st.composite
def capture_lines(draw):
    line = draw(st.sampled_from(MARKERS))
    if draw(st.booleans()):
        line += draw(st.sampled_from(OWNERS)) + draw(st.sampled_from(SEPARATORS))
    date = draw(st.none() | st.sampled_from(DATES))
    words = draw(st.sampled_from(["", " "])).join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5)))
    if date and draw(st.booleans()):
        return line + date + draw(st.sampled_from(SEPARATORS)) + words
    return line + words + (draw(st.sampled_from(SEPARATORS)) + date if date else "")


@settings(deadline=None)
@given(line=capture_lines())
def test_reparsing_a_proposal_gives_it_back(line):
    [p] = capture_parse(line, reference_date=R, people=PEOPLE)
    assert p.title
    [again] = capture_parse(f"行动：{p.title}", reference_date=R, people=PEOPLE)
    assert again.title == p.title
    assert again.owner_text is None
    if p.due_text and "date_ambiguous" not in p.warning_codes:
        [rebuilt] = capture_parse(f"行动：{p.title}，{p.due_text}", reference_date=R, people=PEOPLE)
        assert (rebuilt.title, rebuilt.due, rebuilt.due_text) == (p.title, p.due, p.due_text)


def test_lines_that_do_not_read_are_returned_not_lost():
    """Issue 16, list 6: lines without a marker were dropped without a word. `capture_read`
    returns them (headings and blank lines aside), numbered as typed."""
    from lihui.actions.capture import UnreadLine, capture_read

    text = "行动项：\n今天讨论了Q3退货数据\n\n张伟下周三前给出方案\n张三说了很多\n行动：整理数据"
    read = capture_read(text, reference_date=R, people=PEOPLE)
    assert [(p.line, p.title) for p in read.proposals] == [(4, "给出方案"), (6, "整理数据")]
    assert read.unread == [UnreadLine(2, "今天讨论了Q3退货数据"), UnreadLine(5, "张三说了很多")]
    assert capture_parse(text, reference_date=R, people=PEOPLE) == read.proposals


def test_an_action_right_below_a_decision_implements_it():
    from lihui.actions.capture import capture_read

    text = "决议：双十二增派客服\n行动：张三负责排班，下周五前\n@李四 明天发出通知\n\n行动：整理数据\n决议：取消周末加班\n行动：通知各组"
    got = [(p.line, p.kind, p.decision_line, p.decision_text) for p in capture_read(text, reference_date=R, people=PEOPLE).proposals]
    assert got == [
        (1, "decision", None, None), (2, "action", 1, "双十二增派客服"), (3, "action", 1, "双十二增派客服"),
        (5, "action", None, None),  # a blank line ends the decision's actions
        (6, "decision", None, None), (7, "action", 6, "取消周末加班"),
    ]  # fmt: skip
