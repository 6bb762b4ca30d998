"""Chinese for the msgids added by helper h7 (outbox emails, error pages, allauth pages, neutral refusals)."""

T = {
    "This address cannot be invited as a Party member: a person belongs to one branch only.": "无法以党员身份邀请此地址：一名党员只能属于一个党支部。",
    "outgoing email": "待发邮件",
    "outgoing emails": "待发邮件",
    "to": "收件人",
    "template": "模板",
    "language": "语言",
    "subject": "主题",
    "HTML version": "HTML 正文",
    "state": "状态",
    "attempts": "尝试次数",
    "not before": "最早发送时间",
    "sent": "发送时间",
    "last error": "最近错误",
    "Sent": "已发送",
    "Failed": "发送失败",
    "These addresses cannot host this session: %(emails)s. Hosts are accounts within your organizations or officials of its subdistrict or district.": "以下地址不能主持本场直播：%(emails)s。主持人须为您所管理组织内的账号，或本街道、本区的领导干部。",
}
