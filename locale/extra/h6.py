"""Chinese for the msgids helper h6 added (sockets' frame errors, comments, muting)."""

T = {
    "That message is nested too deeply.": "消息嵌套层级过深。",
    "That message contains characters that are not allowed.": "消息中含有不允许的字符。",
    "A comment cannot contain control characters.": "评论不能包含控制字符。",
    "Only people who joined or commented in this session can be muted, and not its moderators.": "只能禁言进入过本场或在本场评论过的人，且不能禁言本场的主持人。",
}
